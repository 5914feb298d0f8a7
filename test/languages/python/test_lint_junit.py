"""`cdk8s-training lint --format junit` against a published JUnit XML schema (#14).

The schema is junit-10.xsd, the Jenkins xUnit plugin's JUnit schema that pytest ships in its
source distribution (testing/example_scripts) and checks its own --junitxml output against;
it is fetched from PyPI for the pytest installed here and read with xmlschema (PyPI).
"""
import io
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import xmlschema

LINT = shutil.which("cdk8s-training", path=os.path.dirname(sys.executable))
EXPECTED = os.environ["EXPECTED_DIR"]

BAD_JOB = """\
# a comment and an empty document, as Helm writes them
---
apiVersion: batch/v1
kind: Job
metadata: {name: "trainer <&> \\"quoted\\""}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Always
      nodeSelector: {cloud.google.com/gke-spot: "true"}
      containers:
        - name: trainer
          image: trainer:v1
          resources: {limits: {nvidia.com/gpu: 1}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: b}
"""


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pytest-sdist")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    f"pytest=={pytest.__version__}", "-d", str(folder)], check=True)
    (sdist,) = folder.glob("pytest-*.tar.gz")
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("testing/example_scripts/junit-10.xsd"))
        return xmlschema.XMLSchema(io.StringIO(archive.extractfile(member).read().decode()))


def junit(*paths):
    result = subprocess.run([LINT, "lint", "--format", "junit", *map(str, paths)], capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr
    return result


def test_a_report_with_failures_is_valid(schema, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_JOB)
    result = junit(bad, EXPECTED)
    assert result.returncode == 1
    schema.validate(result.stdout)
    root = schema.to_dict(result.stdout)
    suites = root["testsuite"]
    assert len(suites) == 2
    failures = [case for suite in suites for case in suite.get("testcase", []) if case.get("failure")]
    assert failures, "the spot GPU Job has no failure"
    assert any("preemption-policy" in str(case["failure"]) for case in failures)


def test_a_clean_report_is_valid(schema):
    result = junit(EXPECTED)
    assert result.returncode == 0, result.stdout
    schema.validate(result.stdout)


def test_the_schema_refuses_what_it_should(schema):
    # The check can fail: a testcase without its required name, a suite without its counts.
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate('<testsuites><testsuite name="x" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>')
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate('<testsuites><testsuite name="x"/></testsuites>')
