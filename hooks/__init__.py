"""Cookiecutter hooks of the template.

Cookiecutter renders each hook with Jinja and runs it as a standalone script,
so the hook files cannot import each other at bake time. Each keeps its logic
in plain functions (and its data in module-level tables) so that the
template's own tests can import them as ``hooks.pre_gen_project`` and
``hooks.post_gen_project`` and exercise them without baking anything.
"""
