"""The README's Python quick start against the wheel just built (test/languages/run.sh).

EXPECTED_DIR holds the TypeScript quick start's output; QUICKSTART is examples/quickstart/quickstart.py.
"""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

EXPECTED = pathlib.Path(os.environ["EXPECTED_DIR"])
QUICKSTART = pathlib.Path(os.environ["QUICKSTART"])
LINT = shutil.which("cdk8s-training", path=os.path.dirname(sys.executable))


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    out = tmp_path_factory.mktemp("quickstart")
    subprocess.run([sys.executable, str(QUICKSTART)], check=True, cwd=out,
                   env={**os.environ, "CDK8S_OUTDIR": str(out / "dist")})
    return out / "dist"


def test_writes_the_same_yaml_as_the_typescript_quick_start(outdir):
    written = sorted(p.name for p in outdir.iterdir())
    assert written == sorted(p.name for p in EXPECTED.iterdir()) == ["team-fraud.k8s.yaml"]
    for name in written:
        assert (outdir / name).read_bytes() == (EXPECTED / name).read_bytes(), name


def test_the_job_carries_the_preemption_policy(outdir):
    yaml = (outdir / "team-fraud.k8s.yaml").read_text()
    assert "type: DisruptionTarget" in yaml
    assert "terminationGracePeriodSeconds: 30" in yaml


def test_the_wheel_installs_the_lint_command():
    assert LINT, "the wheel installed no cdk8s-training script next to python"
    version = subprocess.run([LINT, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip()


def test_lint_passes_the_quick_start(outdir):
    result = subprocess.run([LINT, "lint", str(outdir)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_refuses_a_spot_gpu_job_without_a_preemption_policy(tmp_path):
    bad = tmp_path / "job.yaml"
    bad.write_text("""\
apiVersion: batch/v1
kind: Job
metadata: {name: trainer}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {cloud.google.com/gke-spot: "true"}
      containers:
        - name: trainer
          image: trainer:v1
          resources: {limits: {nvidia.com/gpu: 1}}
""")
    result = subprocess.run([LINT, "lint", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "preemption-policy" in result.stdout
    assert f"{bad}:" in result.stdout


def test_lint_parses_shell_scripts_with_the_parser_bundled_in_the_package(tmp_path):
    # mvdan-sh is bundled in the npm tarball the wheel carries; it loads only when a script is read.
    job = tmp_path / "sh-job.yaml"
    job.write_text("""\
apiVersion: batch/v1
kind: Job
metadata: {name: trainer}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: trainer
          image: trainer:v1
          command: ["/bin/sh", "-c", "cd /app && python train.py"]
          args: ["--date=$(date +%F)"]
          resources: {limits: {nvidia.com/gpu: 1}}
""")
    result = subprocess.run([LINT, "lint", str(job)], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "runs a sh script that does not exec its last command" in result.stdout


def test_lint_strict_validates_with_the_schemas_and_validator_in_the_package(outdir, tmp_path):
    # schemas/strict-schemas.json.gz and ajv ship in the npm tarball the wheel carries.
    clean = subprocess.run([LINT, "lint", "--strict", str(outdir)], capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "strict schemas: k8s.io/kubernetes@v1.37" in clean.stdout
    typo = tmp_path / "typo.yaml"
    typo.write_text("""\
apiVersion: batch/v1
kind: Job
metadata: {name: trainer}
spec:
  backofLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: trainer, image: trainer:v1}]
""")
    result = subprocess.run([LINT, "lint", "--strict", str(typo)], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f'{typo}:5:3: error [strict-schema] Job/trainer: spec.backofLimit: unknown field "backofLimit".' in result.stdout
