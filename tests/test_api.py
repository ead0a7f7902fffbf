"""The public API: every name resolves, lazily, to the object its module defines."""

import subprocess
import sys

import pytest

import pipes_anomaly


@pytest.mark.parametrize("name", [n for n in pipes_anomaly.__all__ if n != "__version__"])
def test_every_public_name_is_its_modules_object(name):
    obj = getattr(pipes_anomaly, name)
    module = sys.modules[pipes_anomaly._HOME[name]]
    assert obj is getattr(module, name)


def test_evaluate_stays_the_function_after_its_module_is_imported():
    import pipes_anomaly.evaluation

    assert pipes_anomaly.evaluate is pipes_anomaly.evaluation.evaluate


def test_unknown_names_raise_and_dir_lists_the_api():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pipes_anomaly.nope  # noqa: B018
    assert set(dir(pipes_anomaly)) == set(pipes_anomaly.__all__)


def test_importing_the_package_loads_no_scientific_library():
    heavy = "{'sklearn', 'pandas', 'duckdb'}"
    code = f"import sys, pipes_anomaly; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
