"""{{ cookiecutter.project_description }}"""

__version__ = "0.1.0"
