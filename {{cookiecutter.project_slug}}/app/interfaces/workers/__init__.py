"""Background workers: the loops behind `relay-events`{% if cookiecutter.use_redis == "true" %} and `consume-events`{% endif %}."""
