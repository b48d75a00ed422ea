"""A non-editable install finds the bundled course and the migrations with no configuration, from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_non_editable_install_finds_the_course_and_the_migrations(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", str(ROOT), "-w", str(wheels)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(wheels.glob("tutor-*.whl"))
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # the installed copy first; the dependencies from this environment; never the checkout
    env = dict(
        os.environ,
        PYTHONPATH=f"{target}{os.pathsep}{sysconfig.get_paths()['purelib']}",
        TUTOR_DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite'}",
    )
    env.pop("TUTOR_KNOWLEDGE", None)
    # -S: no site-packages of this checkout's editable install
    run = [sys.executable, "-S", "-m", "tutor_cli"]
    check = subprocess.run(
        [*run, "knowledge", "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("ok: LLM Alignment: 61 concepts")
    where = subprocess.run(
        [sys.executable, "-S", "-c", "import bot, knowledge; print(bot.__file__); print(knowledge.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert all(line.startswith(str(target)) for line in where.stdout.split()), where.stdout
    # the platform registry: the installed metadata declares the bundled adapters (tutor_cli/platforms.py)
    registry = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            "from importlib.metadata import entry_points\n"
            "print(sorted(f'{e.name}={e.value}' for e in entry_points(group='tutor.platforms')))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        registry.stdout.strip()
        == "['discord=adapters.discord.app:serve', 'slack=adapters.slack.app:serve', 'webhook=adapters.webhook.app:serve']"
    )
    db = subprocess.run(
        [*run, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    from bot.storage import migrate

    assert db.returncode == 0 and f"-> {migrate.head()}" in db.stdout, db.stderr


def test_numpy_blas_runs_on_one_thread_under_the_tutor():
    """numpy's OpenBLAS threads spin after each call and took the embedding model's cores (bot/__init__.py):
    any process that imports the tutor, as `tutor` itself does first, has numpy's BLAS on one thread."""
    probe = (
        "import bot, numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "print(sorted({p['num_threads'] for p in threadpool_info() if p['internal_api'] == 'openblas'}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[1]"
