"""The wheel, installed on its own: what `pip install .` puts in site-packages.

It must carry its data files (the common-password list), and it carries no config/:
outside local, the service refuses to start without its environment's settings file
rather than run a shared environment on the defaults meant for a laptop.
"""

import os
import secrets
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.infrastructure.config import DATABASE_DRIVER

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD_LIST = "app/domain/value_objects/common_passwords.txt.gz"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built by the project's own build backend, unpacked as an installer would."""
    out = tmp_path_factory.mktemp("wheel")
    build = "import sys, hatchling.build; hatchling.build.build_wheel(sys.argv[1])"
    subprocess.run(
        [sys.executable, "-c", build, str(out)],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(out / "site-packages")
    return out / "site-packages"


def run_installed(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Python with only the unpacked wheel ahead of the venv, run outside the project."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=site.parent,
        env={**os.environ, "PYTHONPATH": str(site), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_installed_package_reads_its_common_password_list(site: Path) -> None:
    result = run_installed(
        site,
        "-c",
        "import app; from app.domain.value_objects.common_passwords import common_passwords, "
        "is_common; print(app.__file__, len(common_passwords()), is_common('password123'))",
    )

    assert (site / PASSWORD_LIST).is_file()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(site / "app" / "__init__.py"), "10000", "True"]


def _a_database_nobody_should_touch(tmp_path: Path) -> str:
    if DATABASE_DRIVER == "postgresql":
        return "postgresql://operator:never-used@127.0.0.1:9/app"
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.mark.parametrize("app_env", ["prod"])
def test_outside_local_a_missing_config_file_is_one_error_line(
    site: Path, tmp_path: Path, app_env: str
) -> None:
    result = run_installed(
        site,
        "-m",
        "app",
        "migrate",
        APP_ENV=app_env,
        JWT_SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=_a_database_nobody_should_touch(tmp_path),
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (
        f"error: APP_ENV={app_env} needs config/{app_env}.env, which is not in {site}: run the "
        "service from the project directory or the image, where config/ sits next to app/\n"
    )
    assert not (tmp_path / "app.db").exists()
