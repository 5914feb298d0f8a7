package main

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	training "github.com/cdk8s-training/cdk8s-training-go/cdk8straining"
)

func main() {
	app := cdk8s.NewApp(nil)
	chart := cdk8s.NewChart(app, jsii.String("team-fraud"), &cdk8s.ChartProps{Namespace: jsii.String("team-fraud")})

	checkpoints := training.CheckpointStorage_NewClaim(&training.NewCheckpointClaimProps{
		ClaimName:        jsii.String("fraud-checkpoints"),
		StorageClassName: training.StorageClasses_GKE_FILESTORE_STANDARD_RWX(),
		Size:             cdk8s.Size_Tebibytes(jsii.Number(1)),
	})

	training.NewSpotTolerantTrainingJob(chart, jsii.String("fraud-transformer"), &training.SpotTolerantTrainingJobProps{
		Name: training.ExperimentName_Of(jsii.String("fraud-transformer"),
			&map[string]interface{}{"lr": "3e-4", "bs": 256, "epoch": 50}, nil),
		Image:   jsii.String("registry.company.com/fraud-trainer:v3.0"),
		Command: jsii.Strings("python", "train.py", "--epochs=50", "--batch-size=256"),
		Accelerator: training.Accelerator_NvidiaGpu(jsii.Number(4),
			&training.GpuOptions{Product: jsii.String("nvidia-tesla-a100")}),
		Cpu:    training.Cpu_Units(jsii.Number(16)),
		Memory: cdk8s.Size_Gibibytes(jsii.Number(128)),
		Checkpoint: &training.CheckpointOptions{
			Storage: checkpoints, IntervalEpochs: jsii.Number(5), SaveTime: cdk8s.Duration_Seconds(jsii.Number(10)),
		},
		Spot:             training.SpotScheduling_Gke(),
		ActiveDeadline:   cdk8s.Duration_Hours(jsii.Number(8)),
		TtlAfterFinished: cdk8s.Duration_Hours(jsii.Number(24)),
		Queue:            jsii.String("team-fraud-gpu"),
		Version:          jsii.String("v3.0"),
	})

	app.Synth() // dist/team-fraud.k8s.yaml
}
