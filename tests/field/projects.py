"""Real projects for the field tests: fetched from their registry at a pinned version, checked
against a pinned sha256, cached, unpacked, and given the tools their own CI installs.

Everything downloaded lives under CACHE (git-ignored): the archives, a wheelhouse of pinned
wheels, pip's and npm's own caches, and the npm install of each lock. A rerun downloads nothing.
The virtualenvs are made afresh in every session from the wheelhouse (no index is asked), so
each session installs the tools the way a CI job would, only faster. See README.md beside this
file for why each project was chosen.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("AUTOHEAL_FIELD_CACHE") or HERE / ".cache")

#: Bounds for the network and for installs: nothing here may hang a test run.
PROBE_TIMEOUT = 5.0
DOWNLOAD_TIMEOUT = 120.0
PIP_TIMEOUT = 300.0
NPM_TIMEOUT = 600.0
STEP_TIMEOUT = 120.0

#: What the probe asks (small answers): one per registry the projects come from.
REGISTRY_PROBES = {
    "PyPI": "https://pypi.org/simple/six/",
    "npm": "https://registry.npmjs.org/-/ping",
}

# What CI-made trees leave behind; the projects' repositories ignore the same (npm tarballs and
# most sdists do not ship their .gitignore, so the import adds one).
PYTHON_IGNORES = (
    "__pycache__/\n*.py[cod]\n*.egg-info/\n.pytest_cache/\n.venv/\nbuild/\ndist/\n.coverage\n"
)
# minimist's own .gitignore and .npmrc (ljharb's repositories keep no lock file).
NODE_IGNORES = (
    "node_modules/\n.nyc_output/\ncoverage/\npackage-lock.json\nnpm-shrinkwrap.json\n.npmrc\n"
)


@dataclass(frozen=True)
class Artifact:
    """One file on a registry, pinned by its sha256."""

    registry: str  # "PyPI" or "npm"
    name: str
    version: str
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[1]


@dataclass(frozen=True)
class PathVenv:
    """Tools installed into the job's Python (setup-python, then pip install): on PATH."""

    pins: tuple[str, ...] = ()
    pins_file: str = ""  # a pinned requirements file inside the project, read as pins
    editable: bool = False  # `pip install -e .` of the job's checkout


@dataclass(frozen=True)
class ProjectVenv:
    """Tools only in a `.venv/` inside the checkout (`python -m venv .venv` + installs); each
    job's checkout gets the session's one install, as a CI cache would restore it."""

    pins: tuple[str, ...]
    editable: bool = False


@dataclass(frozen=True)
class NodeModules:
    """`npm ci` from a pinned lock; each job's checkout gets the installed node_modules, as a
    CI cache would restore it."""

    lock: Path


Tools = PathVenv | ProjectVenv | NodeModules


@dataclass(frozen=True)
class Project:
    key: str
    artifact: Artifact
    layout: str  # flat, src, venv (tools only in .venv/), node
    tools: Tools
    ignores: str
    #: The project's own tests, as the test itself runs them to judge the remote's tip.
    test_command: tuple[str, ...]
    #: Build outputs of the sdist that the project's repository does not hold.
    drop: tuple[str, ...] = ()
    extra_files: Mapping[str, str] = field(default_factory=dict)


# Wheels only (no builds), with every dependency pinned: the same tools in every session.
PYTEST_9 = (
    "pytest==9.2.0",
    "iniconfig==2.3.1",
    "packaging==26.4",
    "pluggy==1.7.0",
    "Pygments==2.21.0",
    "exceptiongroup==1.2.2; python_version < '3.11'",
    "tomli==2.2.1; python_version < '3.11'",
)
BLACK_26 = (
    "black==26.10.1",
    "click==8.5.1",
    "mypy_extensions==1.2.0",
    "pathspec==1.1.1",
    "platformdirs==4.14.9",
    "pytokens==0.4.1",
    "typing_extensions==4.12.2; python_version < '3.11'",
)
#: What examples/ci.yml installs as it stands (`python -m pip install ruff pytest`).
EXAMPLE_TOOLS = PathVenv(pins=("ruff==0.17.6", *PYTEST_9))

SIX = Project(
    key="six-flat",
    artifact=Artifact(
        "PyPI",
        "six",
        "1.17.0",
        "https://files.pythonhosted.org/packages/94/e7/"
        "b2c673351809dca68a0e064b6af791aa332cf192da575fd474ed7d6f16a2/six-1.17.0.tar.gz",
        "ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81",
    ),
    layout="flat",
    # tox.ini's testenv: `deps = pytest`, `python -m pytest`.
    tools=PathVenv(pins=PYTEST_9),
    ignores=PYTHON_IGNORES,
    test_command=("pytest", "-q", "-p", "no:cacheprovider"),
    drop=("six.egg-info", "PKG-INFO"),
)

ITSDANGEROUS = Project(
    key="itsdangerous-src",
    artifact=Artifact(
        "PyPI",
        "itsdangerous",
        "2.2.0",
        "https://files.pythonhosted.org/packages/9c/cb/"
        "8ac0172223afbccb63986cc25049b154ecfb5e85932587206f42317be31d/itsdangerous-2.2.0.tar.gz",
        "e0050c0b7da1eea53ffaf149c0cfbb5c6e2e2b69c4bef22c81fa6eb73e5f6173",
    ),
    layout="src",
    # tox.ini: `deps = -r requirements/tests.txt`; ruff as its pre-commit pinned it in April
    # 2024; flit_core (its build backend) for `pip install -e .` without build isolation.
    tools=PathVenv(
        pins=(
            "ruff==0.4.1",
            "flit_core==3.9.0",
            "exceptiongroup==1.2.2; python_version < '3.11'",
            "tomli==2.2.1; python_version < '3.11'",
        ),
        pins_file="requirements/tests.txt",
        editable=True,
    ),
    ignores=PYTHON_IGNORES,
    test_command=("pytest", "-q", "-p", "no:cacheprovider"),
    drop=("PKG-INFO",),
)

PYTHON_JSON_LOGGER = Project(
    key="python-json-logger-venv",
    artifact=Artifact(
        "PyPI",
        "python-json-logger",
        "4.2.0",
        "https://files.pythonhosted.org/packages/21/25/"
        "5473e46b179f8e8b4ad3aeeb36773d1701b7770eaf5e5bc2025c7303b598/"
        "python_json_logger-4.2.0.tar.gz",
        "e371ebe22ec01e289850102091a2b1f6fc9e655c7f1f5f29073936756c290afa",
    ),
    layout="venv",
    # Its `dev` dependency group's lint and test tools (black, pytest, freezegun, tzdata), in
    # a .venv of the checkout with the project installed editable (setuptools backend).
    tools=ProjectVenv(
        pins=(
            *BLACK_26,
            *PYTEST_9,
            "freezegun==1.5.5",
            "python-dateutil==4.0.0",
            "tzdata==2026.6",
            "setuptools==84.2.1",
        ),
        editable=True,
    ),
    ignores=PYTHON_IGNORES,
    test_command=(".venv/bin/pytest", "-q", "-p", "no:cacheprovider"),
    drop=("src/python_json_logger.egg-info", "PKG-INFO"),
)

MINIMIST = Project(
    key="minimist-node",
    artifact=Artifact(
        "npm",
        "minimist",
        "1.2.8",
        "https://registry.npmjs.org/minimist/-/minimist-1.2.8.tgz",
        "350a76c115b393c19d24654834261e5dc9f0e8cc5e08f3937fa80140f3e4ce83",
    ),
    layout="node",
    tools=NodeModules(lock=HERE / "minimist-1.2.8.package-lock.json"),
    ignores=NODE_IGNORES,
    test_command=("npm", "run", "tests-only"),
    extra_files={".npmrc": "package-lock=false\n"},
)

PROJECTS = (SIX, ITSDANGEROUS, PYTHON_JSON_LOGGER, MINIMIST)


# ----------------------------------------------------------------------------- helpers


def run(
    argv: Sequence[str | Path],
    cwd: Path,
    *,
    timeout: float = STEP_TIMEOUT,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """One bounded subprocess; a failure raises with its output."""
    proc = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, argv))} failed ({proc.returncode}) in {cwd}:\n"
            f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
        )
    return proc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def registry_problem() -> str:
    """Why a registry cannot be reached, or "" when both answer."""
    for name, url in REGISTRY_PROBES.items():
        try:
            with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as answer:  # noqa: S310
                answer.read(1)
        except OSError as exc:  # URLError, timeouts and refused connections are OSErrors
            return f"the {name} registry cannot be reached ({url}: {exc})"
    return ""


def fetch(artifact: Artifact, cache: Path = CACHE) -> Path:
    """The artifact from the cache, or downloaded into it; refused unless its sha256 is the
    pinned one (a bad cached copy is fetched again)."""
    dest = cache / "downloads" / artifact.filename
    if dest.is_file() and sha256_of(dest) == artifact.sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    deadline = time.monotonic() + DOWNLOAD_TIMEOUT
    if urllib.parse.urlsplit(artifact.url).scheme not in ("https", "http"):
        raise AssertionError(f"{artifact.url}: only registries are fetched from, over HTTP(S)")
    answer = urllib.request.urlopen(artifact.url, timeout=30)  # noqa: S310 -- scheme checked
    with answer, part.open("wb") as out:
        while block := answer.read(1 << 16):
            out.write(block)
            if time.monotonic() > deadline:
                raise AssertionError(f"{artifact.url}: download took over {DOWNLOAD_TIMEOUT} s")
    got = sha256_of(part)
    if got != artifact.sha256:
        part.unlink()
        raise AssertionError(
            f"{artifact.url}: sha256 is {got}, but {artifact.sha256} is pinned. The registry "
            "served other bytes than the pinned release: nothing was unpacked."
        )
    part.replace(dest)
    return dest


def unpack(archive: Path, dest: Path) -> Path:
    """The archive's single top folder (`six-1.17.0/`, npm's `package/`), unpacked into dest."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            parts = Path(member.name).parts
            if (
                member.name.startswith("/")
                or ".." in parts
                or not (member.isfile() or member.isdir())
            ):
                raise AssertionError(f"{archive.name}: refusing to unpack {member.name!r}")
        tops = {Path(m.name).parts[0] for m in members}
        if len(tops) != 1:
            raise AssertionError(f"{archive.name}: expected one top folder, found {sorted(tops)}")
        if hasattr(tarfile, "data_filter"):  # 3.10.12+, 3.11.4+: the stdlib's checks too
            tar.extractall(dest, filter="data")
        else:
            tar.extractall(dest)  # noqa: S202 -- every member was checked just above
    return dest / tops.pop()


def base_python() -> str:
    """The interpreter this test venv was made from: the "setup-python" of the jobs."""
    return str(getattr(sys, "_base_executable", "") or sys.executable)


def job_path(extra: Sequence[Path] = ()) -> str:
    """PATH as a job has it: the tools it installed first, then git, node and the system.
    Never this test run's own venv, whose ruff and pytest are not the project's."""
    dirs = [str(p) for p in extra]
    for tool in ("git", "node", "npm"):
        found = shutil.which(tool)
        if found:
            dirs.append(str(Path(found).parent))
    dirs += ["/usr/bin", "/bin"]
    return os.pathsep.join(dict.fromkeys(dirs))


def pins_of(project_dir: Path, tools: PathVenv | ProjectVenv) -> tuple[str, ...]:
    pins = list(tools.pins)
    if isinstance(tools, PathVenv) and tools.pins_file:
        for line in (project_dir / tools.pins_file).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                if "==" not in line:
                    raise AssertionError(f"{tools.pins_file}: {line!r} is not pinned")
                pins.append(line)
    return tuple(pins)


def restore_venv(venv: Path, made_in: Path, checkout: Path) -> Path:
    """`venv`, made inside the checkout `made_in`, as `checkout/.venv` (what restoring a cached
    `.venv/` does, but at another path): files hard-linked, and every file that names
    `made_in` (the scripts' `#!` lines, an editable install's `.pth`, `direct_url.json`,
    `pyvenv.cfg`) rewritten as a new file naming `checkout`, so the tools run this venv's
    Python and the project is imported from `checkout`. The template is never written to."""
    dest = checkout / ".venv"
    run(["cp", "-a", "-l", venv, dest], checkout)
    old, new = str(made_in).encode(), str(checkout).encode()
    site = list(dest.glob("lib/python*/site-packages"))
    names = [
        dest / "pyvenv.cfg",
        *(dest / "bin").iterdir(),
        *(p for d in site for p in d.glob("*.pth")),
        *(p for d in site for p in d.glob("*.dist-info/direct_url.json")),
    ]
    for path in names:
        if path.is_symlink() or not path.is_file():
            continue  # bin/python links to the base interpreter, wherever the venv is
        data = path.read_bytes()
        if old in data:
            mode = path.stat().st_mode
            path.unlink()  # a hard link: writing in place would change the template too
            path.write_bytes(data.replace(old, new))
            path.chmod(mode)
    return dest


@dataclass
class JobTools:
    """What a job's install steps leave: PATH entries first, and variables."""

    path: list[Path] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Session:
    """The projects prepared once per test session, and how long each part took."""

    root: Path  # this session's own folder (venvs, pristine trees)
    cache: Path = CACHE
    timings: list[tuple[int, str, float]] = field(default_factory=list)  # (depth, what, s)
    _depth: int = 0
    _sources: dict[str, Path] = field(default_factory=dict)
    _venvs: dict[str, Path] = field(default_factory=dict)
    _node: dict[str, Path] = field(default_factory=dict)
    _project_venvs: dict[str, Path] = field(default_factory=dict)

    @contextmanager
    def timed(self, label: str) -> Iterator[None]:
        start = time.monotonic()
        index = len(self.timings)
        self.timings.append((self._depth, label, 0.0))
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            self.timings[index] = (self._depth, label, time.monotonic() - start)

    def pip_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PIP_CACHE_DIR": str(self.cache / "pip"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        }

    def source(self, project: Project) -> Path:
        """The pristine unpacked release (shared: copy it, never change it)."""
        if project.key not in self._sources:
            with self.timed(f"fetch+unpack {project.artifact.name}"):
                archive = fetch(project.artifact, self.cache)
                self._sources[project.key] = unpack(archive, self.root / "src" / project.key)
        return self._sources[project.key]

    def wheelhouse(self, pins: Sequence[str]) -> Path:
        """Every pinned wheel on disk (downloaded once, into the cache)."""
        house = self.cache / "wheels"
        stamp = house / (".ok-" + hashlib.sha256("\n".join(sorted(pins)).encode()).hexdigest())
        if not stamp.exists():
            house.mkdir(parents=True, exist_ok=True)
            run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:",
                 "--no-deps", "--dest", house, *pins],
                self.cache, timeout=PIP_TIMEOUT, env=self.pip_env(),
            )  # fmt: skip
            stamp.touch()
        return house

    def pip_install(self, python: Path, args: Sequence[str | Path], cwd: Path) -> None:
        """Install into another interpreter's environment with this pip (`pip --python`)."""
        run(
            # --no-compile: byte-compiling every installed module took most of the time;
            # Python compiles what it imports anyway.
            [sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
             "--no-index", "--no-deps", "--no-compile", *args],
            cwd, timeout=PIP_TIMEOUT, env=self.pip_env(),
        )  # fmt: skip

    def new_venv(self, where: Path, pins: Sequence[str]) -> Path:
        house = self.wheelhouse(pins)
        run([base_python(), "-m", "venv", "--without-pip", where], where.parent)
        python = where / "bin" / "python"
        self.pip_install(python, ["--find-links", house, *pins], where.parent)
        return python

    def path_venv(self, key: str, tools: PathVenv, pins: Sequence[str]) -> Path:
        """A venv on the job's PATH, made once per session (like setup-python + pip)."""
        if key not in self._venvs:
            where = self.root / "venvs" / key
            where.parent.mkdir(parents=True, exist_ok=True)
            with self.timed(f"venv {key}"):
                self.new_venv(where, pins)
            self._venvs[key] = where
        return self._venvs[key]

    def node_modules(self, project: Project, lock: Path) -> Path:
        """`npm ci` of the project's package.json with the pinned lock, once per lock."""
        if project.key not in self._node:
            digest = sha256_of(lock)[:16]
            where = self.cache / "node" / f"{project.artifact.name}-{digest}"
            stamp = where / ".ok"
            if not stamp.exists():
                with self.timed(f"npm ci {project.artifact.name}"):
                    shutil.rmtree(where, ignore_errors=True)
                    where.mkdir(parents=True)
                    shutil.copy2(self.source(project) / "package.json", where / "package.json")
                    shutil.copy2(lock, where / "package-lock.json")
                    env = {**os.environ, "npm_config_cache": str(self.cache / "npm")}
                    run(
                        ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund",
                         "--ignore-scripts", "--loglevel=error"],
                        where, timeout=NPM_TIMEOUT, env=env,
                    )  # fmt: skip
                    stamp.touch()
            self._node[project.key] = where / "node_modules"
        return self._node[project.key]

    def install(self, project: Project, checkout: Path) -> JobTools:
        """The project's install steps, run for one job's checkout."""
        tools = project.tools
        with self.timed(f"install {project.key}"):
            if isinstance(tools, NodeModules):
                template = self.node_modules(project, tools.lock)
                # Hard links: a copy of 12,000 files in a second (nothing writes into the
                # installed files in place; new files, like caches, stay per checkout).
                run(["cp", "-a", "-l", template, checkout / "node_modules"], checkout)
                return JobTools(
                    env={
                        # `npm test` without its pre/post scripts: lint is its own check, and
                        # posttest's `aud` asks the network (their CI runs both as other jobs).
                        "npm_config_ignore_scripts": "true",
                        "npm_config_update_notifier": "false",
                        "npm_config_fund": "false",
                        "npm_config_audit": "false",
                    }
                )
            pins = pins_of(self.source(project), tools)
            if isinstance(tools, ProjectVenv):
                template = self.project_venv(project, tools, pins)
                restore_venv(template / ".venv", template, checkout)
                return JobTools()
            venv = self.path_venv(project.key, tools, pins)
            if tools.editable:
                self.editable(venv / "bin" / "python", checkout)
            return JobTools(path=[venv / "bin"], env={"VIRTUAL_ENV": str(venv)})

    def project_venv(self, project: Project, tools: ProjectVenv, pins: Sequence[str]) -> Path:
        """A copy of the release with its `.venv/` installed (the project editable, when
        asked), made once per session: the template every job's `.venv/` is restored from."""
        if project.key not in self._project_venvs:
            where = self.root / "venv-templates" / project.key
            with self.timed(f"venv {project.key}"):
                shutil.copytree(self.source(project), where)
                python = self.new_venv(where / ".venv", pins)
                if tools.editable:
                    self.editable(python, where)
            self._project_venvs[project.key] = where
        return self._project_venvs[project.key]

    def example_tools(self) -> JobTools:
        """The tools examples/ci.yml installs as shipped: ruff and pytest, on PATH."""
        venv = self.path_venv("example-ruff-pytest", EXAMPLE_TOOLS, EXAMPLE_TOOLS.pins)
        return JobTools(path=[venv / "bin"])

    def editable(self, python: Path, checkout: Path) -> None:
        """`pip install -e .`: the environment imports the package from this checkout."""
        self.pip_install(python, ["--no-build-isolation", "--editable", checkout], checkout)
