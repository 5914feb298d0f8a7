"""The props a real job carries besides the checkpoint claim, from Python: the library's own
Cpu, EnvValue, PodVolume and ExtraContainerProps through jsii (no cdk8s-plus installed for them)."""
import subprocess
import sys

SCRIPT = """
import json
from cdk8s import App, Chart, Size
from cdk8s_training import (CheckpointOptions, CheckpointStorage, ContainerPort, ContainerVolumeMount, Cpu, EnvValue,
                            ExtraContainerProps, ImagePullPolicy, KubernetesVersion, PersistentVolumeAccessMode,
                            PodVolume, SpotScheduling, SpotTolerantTrainingJob, TrainerVolume)

app = App()
KubernetesVersion.set_target(app, KubernetesVersion.V1_32)
chart = Chart(app, "porting")
SpotTolerantTrainingJob(chart, "train",
    name="train",
    image="registry.example.com/trainer:v1",
    command=["python", "train.py"],
    cpu=Cpu.millis(1500),
    memory=Size.gibibytes(16),
    checkpoint=CheckpointOptions(storage=CheckpointStorage.existing_claim("ckpt", PersistentVolumeAccessMode.READ_WRITE_MANY)),
    spot=SpotScheduling.gke(),
    env={"HF_TOKEN": EnvValue.from_secret("hf-token", "token"), "WANDB_MODE": EnvValue.from_value("offline")},
    service_account_name="trainer-gcs",
    image_pull_secrets=["registry-pull"],
    image_pull_policy=ImagePullPolicy.IF_NOT_PRESENT,
    volumes=[TrainerVolume(volume=PodVolume.from_persistent_volume_claim("imagenet", read_only=True), mount_path="/data", read_only=True),
             TrainerVolume(volume=PodVolume.from_empty_dir("logs"), mount_path="/var/log/trainer")],
    sidecars=[ExtraContainerProps(name="log-shipper", image="fluent/fluent-bit:3.1", cpu=Cpu.millis(100),
                                  ports=[ContainerPort(number=2020, name="metrics")],
                                  volume_mounts=[ContainerVolumeMount(volume="logs", mount_path="/logs", read_only=True)])],
)
job = [o for o in chart.to_json() if o["kind"] == "Job"][0]
print(json.dumps(job["spec"]["template"]["spec"], sort_keys=True))
"""


def test_volumes_env_and_sidecars_from_python(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import json
    pod = json.loads(result.stdout.strip().splitlines()[-1])
    trainer = pod["containers"][0]
    assert trainer["resources"]["limits"]["cpu"] == "1500m"
    assert {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}} in trainer["env"]
    assert trainer["imagePullPolicy"] == "IfNotPresent"
    assert pod["serviceAccountName"] == "trainer-gcs"
    assert pod["imagePullSecrets"] == [{"name": "registry-pull"}]
    assert {"name": "pvc-imagenet", "persistentVolumeClaim": {"claimName": "imagenet", "readOnly": True}} in pod["volumes"]
    sidecar = pod["initContainers"][0]
    assert sidecar["name"] == "log-shipper" and sidecar["restartPolicy"] == "Always"
    assert sidecar["ports"] == [{"containerPort": 2020, "name": "metrics"}]
    assert sidecar["volumeMounts"] == [{"name": "logs", "mountPath": "/logs", "readOnly": True}]


def test_a_bad_prop_is_a_clear_error_in_python(tmp_path):
    script = SCRIPT.replace('volume="logs"', 'volume="missing"')
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode != 0
    # Where as well as what: the construct's path starts the message.
    assert "porting/train: sidecars[0].volumeMounts[0]: 'missing' is not a volume of the pod" in result.stderr
