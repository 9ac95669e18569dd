"""Cookiecutter hooks of the template, and the answer checks cookiecutter loads.

Cookiecutter runs ``pre_prompt.py`` (before it reads the answers), then renders
``pre_gen_project.py`` and ``post_gen_project.py`` with Jinja and runs each as a
standalone script, so the hook files cannot import each other at bake time.
``answer_checks.py`` is no hook: it is a Jinja extension that cookiecutter imports
(``_extensions`` in cookiecutter.json) to refuse bad answers while prompting, with the
checks of ``pre_gen_project.py``. Each file keeps its logic in plain functions (and its
data in module-level tables) so that the template's own tests can import them as
``hooks.<name>`` and exercise them without baking anything.
"""
