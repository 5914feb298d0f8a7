package com.example;

import java.util.List;
import java.util.Map;

import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.Duration;
import org.cdk8s.Size;
import io.github.cdk8s_training.Accelerator;
import io.github.cdk8s_training.CheckpointOptions;
import io.github.cdk8s_training.CheckpointStorage;
import io.github.cdk8s_training.Cpu;
import io.github.cdk8s_training.ExperimentName;
import io.github.cdk8s_training.GpuOptions;
import io.github.cdk8s_training.NewCheckpointClaimProps;
import io.github.cdk8s_training.SpotScheduling;
import io.github.cdk8s_training.SpotTolerantTrainingJob;
import io.github.cdk8s_training.StorageClasses;

public final class QuickStart {
    public static void main(final String[] args) {
        App app = new App();
        Chart chart = new Chart(app, "team-fraud", ChartProps.builder().namespace("team-fraud").build());

        CheckpointStorage checkpoints = CheckpointStorage.newClaim(NewCheckpointClaimProps.builder()
                .claimName("fraud-checkpoints")
                .storageClassName(StorageClasses.GKE_FILESTORE_STANDARD_RWX)
                .size(Size.tebibytes(1))
                .build());

        SpotTolerantTrainingJob.Builder.create(chart, "fraud-transformer")
                .name(ExperimentName.of("fraud-transformer", Map.of("lr", "3e-4", "bs", 256, "epoch", 50)))
                .image("registry.company.com/fraud-trainer:v3.0")
                .command(List.of("python", "train.py", "--epochs=50", "--batch-size=256"))
                .accelerator(Accelerator.nvidiaGpu(4, GpuOptions.builder().product("nvidia-tesla-a100").build()))
                .cpu(Cpu.units(16))
                .memory(Size.gibibytes(128))
                .checkpoint(CheckpointOptions.builder()
                        .storage(checkpoints).intervalEpochs(5).saveTime(Duration.seconds(10)).build())
                .spot(SpotScheduling.gke())
                .activeDeadline(Duration.hours(8))
                .ttlAfterFinished(Duration.hours(24))
                .queue("team-fraud-gpu")
                .version("v3.0")
                .build();

        app.synth(); // dist/team-fraud.k8s.yaml
    }
}
