"""The package's layout is its architecture: the public API is pinned, each layer imports only what the table below allows, and no import circles."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

import vaecourse
from vaecourse.__main__ import COMMAND_MODULES

PACKAGE_DIR = Path(vaecourse.__file__).resolve().parent

# The allowed-dependency table, written once: each layer (a subpackage of vaecourse) with the layers
# it may import besides itself. The first sentence of each subpackage's docstring names the same
# layers (test_each_layer_says_what_it_holds_and_may_import), so the docstrings cannot drift from it.
# The model stack is ordered core < data < models < training < studies < viz; grading stands on the
# core (the exercises' hidden references are its formulas) and the data (the capstone trains on the
# digits), practice on grading and the model stack up to training, and instructor on grading alone.
LAYERS: dict[str, set[str]] = {
    "core": set(),
    "data": {"core"},
    "models": {"core", "data"},
    "training": {"core", "data", "models"},
    "studies": {"core", "data", "models", "training"},
    "viz": {"core", "data", "models", "training", "studies"},
    "grading": {"core", "data"},
    "practice": {"core", "data", "models", "training", "grading"},
    "instructor": {"grading"},
}
FACADES = {"vaecourse", "vaecourse.__main__"}  # the top-level re-exports and the command line: they may import anything
CORE_THIRD_PARTY = {"torch"}  # as vaecourse.core's docstring says: torch, the standard library and itself
IMPORT_CALLS = {"import_module", "__import__"}

PUBLIC_API = [
    "AutoregressiveVAE",
    "AutoregressiveVAEConfig",
    "ConditionalVAE",
    "ConditionalVAEConfig",
    "ElboTerms",
    "History",
    "LinearEncoder",
    "LinearGaussianModel",
    "MonteCarloEstimate",
    "TrainConfig",
    "TrainingDivergedError",
    "VAE",
    "VAEConfig",
    "active_units",
    "bernoulli_log_likelihood",
    "beta_sweep",
    "categorical_kl",
    "compare_representations",
    "diagonal_gaussian_log_density",
    "diffusion_elbo_terms",
    "digits_recipe",
    "elbo_anomaly_scores",
    "elbo_estimate",
    "energy_distance",
    "error_vs_sample_size",
    "evaluate",
    "evaluations_per_sample",
    "fit",
    "fit_gaussian_by_kl",
    "fit_variational_parameters",
    "gaussian_kl",
    "gaussian_kl_between",
    "gaussian_log_likelihood",
    "gaussian_rate_distortion",
    "gradient_variance_study",
    "gumbel_softmax_sample",
    "importance_log_weights",
    "importance_sampled_log_likelihood",
    "inference_gaps",
    "interpolate_latents",
    "iwae_bound",
    "kl_annealing_weight",
    "kl_per_dimension",
    "latent_value",
    "load_checkpoint",
    "load_digits",
    "load_idx",
    "log_likelihood_estimate",
    "mode_coverage",
    "monte_carlo_estimate",
    "mutual_information",
    "path_to_posterior",
    "pathwise_gradient",
    "probe_accuracy",
    "reparameterize",
    "roc_auc",
    "run_mitigations",
    "save_checkpoint",
    "score_function_gradient",
    "standard_normal_log_density",
]


def module_files(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its ``__init__.py``)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = ("vaecourse",) + path.relative_to(package_dir).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported_names(name: str, path: Path) -> list[str]:
    """The absolute names a module imports anywhere in it (in functions too), with relative imports resolved.

    ``from X import a`` counts as importing ``X.a`` (resolved against the modules later) as well as
    ``X``; ``importlib.import_module("literal")`` counts as an import of that literal.
    """
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names += [f"{source}.{alias.name}" for alias in node.names]
        elif _import_call(node) and node.args and isinstance(node.args[0], ast.Constant):
            names.append(node.args[0].value)
    return names


def _import_call(node: ast.AST) -> bool:
    """True for a call of ``importlib.import_module(...)``, ``import_module(...)`` or ``__import__(...)``."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr in IMPORT_CALLS) or (
        isinstance(func, ast.Name) and func.id in IMPORT_CALLS
    )


def hidden_imports(modules: dict[str, Path]) -> list[str]:
    """Imports whose target the graph cannot see: an import call with a computed name, outside the facades.

    The circle this package once had hid behind such a call (a registry importing its entries by
    f-string while each entry imported the registry), so the layout's checks require literal imports.
    """
    found = []
    for name, path in modules.items():
        if name in FACADES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if _import_call(node) and not (node.args and isinstance(node.args[0], ast.Constant)):
                found.append(f"{name}, line {node.lineno}: {ast.unparse(node)}")
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the vaecourse modules it imports (``from X import a``: ``X.a`` if that is a module, else ``X``)."""
    graph = {}
    for name, path in modules.items():
        edges = set()
        for imported in imported_names(name, path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                edges.add(imported)
        graph[name] = edges
    return graph


def layer_of(module: str) -> str | None:
    """The layer a module belongs to (``vaecourse.core.kl`` -> ``core``); None for the facades."""
    return None if module in FACADES else module.split(".")[1]


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for source, targets in sorted(graph.items()):
        if source in FACADES:
            continue
        layer = layer_of(source)
        if layer not in LAYERS:
            problems.append(f"{source} belongs to no layer (known: {', '.join(LAYERS)})")
            continue
        for target in sorted(targets):
            allowed = {layer} | LAYERS[layer]
            if target in FACADES or layer_of(target) not in allowed:
                problems.append(f"{source} imports {target}; the {layer} layer may import only {sorted(allowed)}")
    return problems


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle ``[a, b, ..., a]`` if the graph has any, else None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append(iter(sorted(graph.get(child, ()))))
    return None


MODULES = module_files()
GRAPH = import_graph(MODULES)


def test_the_top_level_api_is_pinned():
    assert sorted(vaecourse.__all__) == PUBLIC_API
    assert vaecourse.__version__ == "0.1.0" == importlib.metadata.version("vaecourse")  # the manifest records the latter


@pytest.mark.parametrize("name", PUBLIC_API)
def test_every_public_name_imports(name):
    namespace: dict = {}
    exec(f"from vaecourse import {name}", namespace)
    assert namespace[name] is getattr(vaecourse, name)


def test_every_command_module_imports():
    for module_name in COMMAND_MODULES:
        assert hasattr(importlib.import_module(module_name), "add_parser"), module_name


def test_every_module_sits_in_a_layer():
    top_level = [m for m in MODULES if m.count(".") == 1 and m not in FACADES and layer_of(m) not in LAYERS]
    assert top_level == [], "modules beside the subpackages"
    assert {layer_of(m) for m in MODULES} - {None} == set(LAYERS)


def test_each_layer_imports_only_what_the_table_allows():
    violations = layering_violations(GRAPH)
    assert violations == [], "imports against the layering:\n" + "\n".join(violations)


def test_every_import_names_its_module():
    hidden = hidden_imports(MODULES)
    assert hidden == [], "import calls with a computed module name (the graph cannot see them):\n" + "\n".join(hidden)


def test_the_core_imports_only_torch_and_the_standard_library():
    outside = {
        f"{name}: {imported}"
        for name, path in MODULES.items()
        if layer_of(name) == "core"
        for imported in imported_names(name, path)
        if not imported.startswith("vaecourse.core")
        and imported.split(".")[0] not in CORE_THIRD_PARTY | set(sys.stdlib_module_names) | {"__future__"}
    }
    assert outside == set(), f"vaecourse.core imports outside torch and the standard library: {sorted(outside)}"


def test_no_import_circle():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_says_what_it_holds_and_may_import(layer):
    doc = importlib.import_module(f"vaecourse.{layer}").__doc__ or ""
    first = doc.strip().split("\n\n")[0]
    assert "\n" not in first and first.endswith("."), f"vaecourse.{layer}: the docstring should open with one sentence on one line"
    assert re.search(r"\bimports?\b", first), f"vaecourse.{layer}: the first sentence should say what it may import"
    named = set(re.findall(r"vaecourse\.(\w+)", first)) & set(LAYERS)
    assert named == LAYERS[layer], f"vaecourse.{layer}'s docstring names {sorted(named)}; the test allows {sorted(LAYERS[layer])}"


def test_the_checks_catch_what_they_claim_to(tmp_path):
    """The graph, layering, hidden-import and circle checks fail on a package built to break each of them."""
    package = tmp_path / "vaecourse"
    for relative, text in {
        "__init__.py": "from .core import a\n",
        "core/__init__.py": "",
        "core/a.py": "def f():\n    from ..training import loop\n",  # upward, and inside a function
        "training/__init__.py": "",
        "training/loop.py": "from ..core.a import f\nfrom . import cli\n",
        "training/cli.py": "import importlib\nimportlib.import_module('vaecourse.training.loop')\n",
        "training/plugins.py": "import importlib\nfor n in 'ab':\n    importlib.import_module(f'vaecourse.{n}')\n",
    }.items():
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text(text)
    modules = module_files(package)
    graph = import_graph(modules)
    assert graph["vaecourse.core.a"] == {"vaecourse.training.loop"}
    assert graph["vaecourse.training.cli"] == {"vaecourse.training.loop"}
    assert layering_violations(graph) == [
        "vaecourse.core.a imports vaecourse.training.loop; the core layer may import only ['core']"
    ]
    assert hidden_imports(modules) == ["vaecourse.training.plugins, line 3: importlib.import_module(f'vaecourse.{n}')"]
    assert find_cycle(graph) == ["vaecourse.core.a", "vaecourse.training.loop", "vaecourse.core.a"]
    del graph["vaecourse.core.a"]
    assert find_cycle(graph) == ["vaecourse.training.cli", "vaecourse.training.loop", "vaecourse.training.cli"]


def test_every_skill_and_bank_module_is_listed_in_its_registry():
    """Nothing registers itself, so a new ``skills_*`` or bank module counts only once its registry lists it."""
    from vaecourse.grading import all_exercises
    from vaecourse.practice import all_skills

    def modules(folder: str, pattern: str) -> list:
        package = "vaecourse." + folder.replace("/", ".")
        return [importlib.import_module(f"{package}.{p.stem}") for p in sorted((PACKAGE_DIR / folder).glob(pattern))]

    defined_skills = {s.name for m in modules("practice", "skills_*.py") for s in m.SKILLS}
    assert defined_skills == {s.name for s in all_skills()}, "a skill module missing from practice/registry.py"
    defined_exercises = {e.id for m in modules("grading/bank", "s[0-9]_*.py") for e in m.EXERCISES}
    assert defined_exercises == {e.id for e in all_exercises()}, "a bank module missing from grading/registry.py"
