"""A cdk8s-plus claim passed from Python: fromClaim takes it by shape (ICheckpointClaim), from
cdk8s-plus-28 (what the library was built on) and cdk8s-plus-36 (the newest on PyPI), neither of
which the wheel depends on (run.sh checks the README's install brought no cdk8s-plus)."""
import subprocess
import sys

import pytest

SCRIPT = """
from cdk8s import App, Chart, Size
from {plus} import PersistentVolumeAccessMode, PersistentVolumeClaim
from cdk8s_training import CheckpointStorage, PersistentVolumeAccessMode as Modes

app = App()
chart = Chart(app, "c")
claim = PersistentVolumeClaim(chart, "claim", access_modes=[PersistentVolumeAccessMode.READ_WRITE_MANY],
                              storage=Size.tebibytes(1))
storage = CheckpointStorage.from_claim(claim)
print(storage.is_read_write_many, storage.access_modes == [Modes.READ_WRITE_MANY])
"""


@pytest.mark.parametrize("plus", ["cdk8s_plus_28", "cdk8s_plus_36"])
def test_a_cdk8s_plus_claim_from_python_is_read_by_shape(tmp_path, plus):
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(plus=plus)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True"
