import { ResolvedPreemptionContract } from './preemption-policy';
import { TrainerPod } from './trainer-pod';

/** Name of the replicated job that runs the training nodes (the Trainer v2 convention). */
export const NODE_JOB = 'node';

export interface JobSetSpecOptions {
  readonly pod: TrainerPod;
  readonly containerName: string;
  readonly nodes: number;
  /** Restarts of the whole set for real failures (failurePolicy.maxRestarts). */
  readonly maxRestarts: number;
  readonly activeDeadlineSeconds: number;
  readonly jobTemplateLabels?: { [key: string]: string };
}

/**
 * The JobSet spec both JobSet-based engines use (a plain JobSet, and Trainer v2's runtime
 * template): one Indexed Job of `nodes` pods. A lost rank stops the whole gang, so the child
 * Job turns a disruption or the contract exit code into a FailJob with a recognisable
 * message, and the JobSet restarts from the checkpoint without counting it; configuration
 * errors fail the set; other failures restart it, counted against maxRestarts.
 *
 * Plain JSON in the wire format: the imported JobSet types use TypeScript-side names
 * (`enableDnsHostnames`), and the strict CRD check in the tests holds the field names.
 */
export function trainingJobSetSpec(options: JobSetSpecOptions): any {
  const contract: ResolvedPreemptionContract = options.pod.contract;
  const onExitCodes = (values: number[]) => ({ containerName: options.containerName, operator: 'In', values });
  const podFailureRules: any[] = [
    { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'FailJob', onExitCodes: onExitCodes([contract.exitCode]), onPodConditions: [] },
  ];
  if (contract.nonRetriableExitCodes.length > 0) {
    podFailureRules.push({ action: 'FailJob', onExitCodes: onExitCodes(contract.nonRetriableExitCodes), onPodConditions: [] });
  }
  return {
    network: { enableDNSHostnames: true },
    failurePolicy: {
      maxRestarts: options.maxRestarts,
      rules: [
        {
          name: 'preemption',
          action: 'RestartJobSetAndIgnoreMaxRestarts',
          onJobFailureReasons: ['PodFailurePolicy'],
          // The Job controller's messages for the first two podFailurePolicy rules.
          onJobFailureMessagePatterns: [
            'has condition DisruptionTarget matching FailJob rule at index 0',
            `failed with exit code ${contract.exitCode} matching FailJob rule at index 1`,
          ],
        },
        ...(contract.nonRetriableExitCodes.length > 0
          // Rule names are checked by the JobSet webhook: letters, digits, '_', ',' and ':' only.
          ? [{ name: 'configuration_error', action: 'FailJobSet', onJobFailureReasons: ['PodFailurePolicy'] }]
          : []),
      ],
    },
    replicatedJobs: [{
      name: NODE_JOB,
      replicas: 1,
      template: {
        ...(options.jobTemplateLabels ? { metadata: { labels: options.jobTemplateLabels } } : {}),
        spec: {
          completionMode: 'Indexed',
          completions: options.nodes,
          parallelism: options.nodes,
          // Any other pod failure fails the Job at once; the JobSet restarts the gang.
          backoffLimit: 0,
          activeDeadlineSeconds: options.activeDeadlineSeconds,
          podFailurePolicy: { rules: podFailureRules },
          template: options.pod.template,
        },
      },
    }],
  };
}
