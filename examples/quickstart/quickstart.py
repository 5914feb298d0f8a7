from cdk8s import App, Chart, Duration, Size
from cdk8s_training import (Accelerator, CheckpointOptions, CheckpointStorage, Cpu, ExperimentName,
                            SpotScheduling, SpotTolerantTrainingJob, StorageClasses)

app = App()
chart = Chart(app, "team-fraud", namespace="team-fraud")

checkpoints = CheckpointStorage.new_claim(
    claim_name="fraud-checkpoints",
    storage_class_name=StorageClasses.GKE_FILESTORE_STANDARD_RWX,
    size=Size.tebibytes(1),
)

SpotTolerantTrainingJob(chart, "fraud-transformer",
    name=ExperimentName.of("fraud-transformer", {"lr": "3e-4", "bs": 256, "epoch": 50}),
    image="registry.company.com/fraud-trainer:v3.0",
    command=["python", "train.py", "--epochs=50", "--batch-size=256"],
    accelerator=Accelerator.nvidia_gpu(4, product="nvidia-tesla-a100"),
    cpu=Cpu.units(16),
    memory=Size.gibibytes(128),
    checkpoint=CheckpointOptions(storage=checkpoints, interval_epochs=5, save_time=Duration.seconds(10)),
    spot=SpotScheduling.gke(),
    active_deadline=Duration.hours(8),
    ttl_after_finished=Duration.hours(24),
    queue="team-fraud-gpu",
    version="v3.0",
)

app.synth()  # dist/team-fraud.k8s.yaml
