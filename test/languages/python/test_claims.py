"""A cdk8s-plus claim passed from Python: fromClaim takes it by shape (ICheckpointClaim)."""
import os
import pathlib
import subprocess
import sys

SCRIPT = """
from cdk8s import App, Chart, Size, Testing
from cdk8s_plus_28 import PersistentVolumeAccessMode, PersistentVolumeClaim
from cdk8s_training import CheckpointStorage

app = App()
chart = Chart(app, "c")
claim = PersistentVolumeClaim(chart, "claim", access_modes=[PersistentVolumeAccessMode.READ_WRITE_MANY],
                              storage=Size.tebibytes(1))
storage = CheckpointStorage.from_claim(claim)
print(storage.is_read_write_many, storage.access_modes == [PersistentVolumeAccessMode.READ_WRITE_MANY])
"""


def test_a_cdk8s_plus_claim_from_python_is_read_by_shape(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True"
