import { createHash } from 'crypto';
import { ApiObject, Duration, Names } from 'cdk8s';
import { Construct } from 'constructs';
import { failConstruct, invalid } from './blocks/errors';
import { KubernetesVersion } from './blocks/kubernetes-version';
import { requireImage } from './blocks/pod/containers';
import { addLabels } from './blocks/pod/labels';
import { RenderedApiObject } from './blocks/rendered-api-object';
import { SweepAxis } from './blocks/sweep-axis';
import { ASSIGNMENT_ENV, ASSIGNMENT_JSON, ASSIGNMENT_MOUNT, assignmentAt, encodeGrid, GRID_MOUNT, parameterEnvName } from './blocks/sweep-grid';
import { resolveJobSettings, trainingJobSpec } from './blocks/training-job-spec';
import { TrainingJobProps } from './blocks/training-workload-props';
import { checkWorkloadName, nonNegativeInteger } from './blocks/validation';
import { withoutTrailingSlash } from './k8s/syntax';
import { SWEEP_ASSIGNMENT_FILE_ENV as ASSIGNMENT_FILE_ENV } from './knowledge/contract';
import { JOB_COMPLETION_INDEX_ANNOTATION } from './knowledge/controllers';
import { TrainingWorkload } from './training-workload';

const DEFAULT_ACTIVE_DEADLINE = Duration.hours(24);
const DEFAULT_TTL_AFTER_FINISHED = Duration.hours(24);
const DEFAULT_HELPER_IMAGE = 'busybox:1.36.1';
const MAX_INDEXED_PARALLELISM = 100000;
const MAX_TRIALS = 100000;
const MAX_CONFIGMAP_BYTES = 1048576;
const CONTAINER_NAME = 'trainer';
const TRIAL_INDEX_ENV = 'TRIAL_INDEX';
const GRID_VOLUME = 'sweep-grid';
const ASSIGNMENT_VOLUME = 'sweep-assignment';
// Loads the trial's parameters into the environment, then execs the trainer so SIGTERM reaches it.
const WRAPPER = `set -a; . ${ASSIGNMENT_ENV}; set +a; exec "$@"`;

/**
 * Props for `HyperparameterSweep`.
 */
export interface HyperparameterSweepProps extends TrainingJobProps {
  /**
   * Named axes; the grid is their cartesian product (the last axis varies fastest).
   * @default - no grid; `trials` only
   */
  readonly grid?: SweepAxis[];

  /**
   * Explicit trials, each a map of parameter name to value, run after the grid points.
   * @default - the grid only
   */
  readonly trials?: Array<{ [name: string]: string }>;

  /**
   * Trials that run at once. More than 1 needs ReadWriteMany checkpoint storage.
   * @default 1
   */
  readonly parallelism?: number;

  /**
   * Retries of each trial for real failures (`backoffLimitPerIndex`), so one bad trial does
   * not stop the others. Needs Kubernetes 1.29+.
   * @default - retries are counted across the sweep (backoffLimit)
   */
  readonly backoffLimitPerIndex?: number;

  /**
   * Failed trials after which the whole sweep stops (`maxFailedIndexes`). Needs
   * `backoffLimitPerIndex`.
   * @default - no limit
   */
  readonly maxFailedIndexes?: number;

  /**
   * Image of the init container that decodes each pod's assignment (it needs `/bin/sh` and `sed`).
   * @default 'busybox:1.36.1'
   */
  readonly helperImage?: string;
}

/**
 * A batch/v1 Indexed Job that runs one trial per grid point, `parallelism` at a time.
 *
 * Each pod receives its own assignment, as `HP_<NAME>` environment variables and as the JSON
 * file `/sweep/trial.json` (`SWEEP_ASSIGNMENT_FILE`): a small init container decodes
 * `JOB_COMPLETION_INDEX` against a ConfigMap that holds each axis once, so the manifest stays
 * small for 100,000 grid points and the trainer never sees the grid. Each trial gets its own
 * checkpoint directory, `grid-<hash>/trial-<index>` on the checkpoint volume (under
 * `checkpoint.subPath`): the hash is of the grid, so a sweep re-run with another grid never
 * resumes a trial from a checkpoint of other parameters (`trialCheckpointPath(i)`).
 */
export class HyperparameterSweep extends TrainingWorkload {
  /** The Job object. */
  public readonly apiObject: ApiObject;
  /** The ConfigMap that carries the grid. */
  public readonly gridConfigMap: ApiObject;
  /** The Job name. */
  public readonly name: string;
  /** Number of trials: completions of the Indexed Job. */
  public readonly completions: number;
  /** Trials that run at once. */
  public readonly parallelism: number;
  /** Real failures tolerated across the sweep (not emitted with backoffLimitPerIndex). */
  public readonly backoffLimit: number;
  /** Bound on the whole sweep. */
  public readonly activeDeadline: Duration;
  /** TTL of the finished Job. */
  public readonly ttlAfterFinished: Duration;

  private readonly axes: SweepAxis[];
  private readonly explicitTrials: Array<{ [name: string]: string }>;
  /** Where this grid's `trial-<index>` folders are on the checkpoint volume; none without checkpoints. */
  private readonly trialsFolder?: string;

  constructor(scope: Construct, id: string, props: HyperparameterSweepProps) {
    super(scope, id, props.kubernetesVersion);
    try {
      this.axes = [...(props.grid ?? [])];
      this.explicitTrials = (props.trials ?? []).map((trial) => ({ ...trial }));
      checkParameters(this.axes, this.explicitTrials);
      const gridSize = this.axes.length === 0 ? 0 : this.axes.reduce((size, axis) => size * axis.values.length, 1);
      this.completions = gridSize + this.explicitTrials.length;
      if (this.completions === 0) {
        throw invalid('grid', 'grid and trials are both empty; give at least one SweepAxis or one trial.');
      }
      if (this.completions > MAX_TRIALS) {
        throw invalid('grid', `the sweep has ${this.completions} trials; at most ${MAX_TRIALS} are supported (an Indexed Job over 100000 completions needs maxFailedIndexes and parallelism <= 10000). Split the grid into several sweeps.`);
      }
      if (!props.command || props.command.length === 0) {
        throw invalid('command', "command is required: the sweep wraps it to load the trial's parameters (HP_* env vars) before exec'ing the trainer.");
      }

      const settings = resolveJobSettings({ ...props, completions: this.completions, completionsAre: 'trials of the sweep' }, {
        backoffLimit: this.completions,
        activeDeadline: DEFAULT_ACTIVE_DEADLINE,
        ttlAfterFinished: DEFAULT_TTL_AFTER_FINISHED,
      });
      if (settings.parallelism > MAX_INDEXED_PARALLELISM) {
        throw invalid('parallelism', `parallelism (${settings.parallelism}) must be at most ${MAX_INDEXED_PARALLELISM} for an Indexed Job.`);
      }
      this.parallelism = settings.parallelism;
      this.backoffLimit = settings.backoffLimit;
      this.activeDeadline = settings.activeDeadline;
      this.ttlAfterFinished = settings.ttlAfterFinished;
      const perIndex = this.perIndexRetries(props);

      // Pod hostnames are `<name>-<index>`: the name budget shrinks with the number of trials.
      const budget = 63 - 1 - String(this.completions - 1).length;
      const name = props.name ?? Names.toDnsLabel(this, { maxLen: budget });
      checkWorkloadName(name, budget, 'sweep',
        `the hostnames '<name>-<index>' of its ${this.completions} pods (63 characters at most)`);

      const grid = encodeGrid(this.axes, this.explicitTrials);
      // The ConfigMap's data is what maps an index to its parameters: its hash names the trials' folder.
      const gridFolder = `grid-${createHash('sha256').update(JSON.stringify(Object.entries(grid.data).sort())).digest('hex').slice(0, 8)}`;
      if (props.checkpoint) {
        this.trialsFolder = props.checkpoint.subPath === undefined ? gridFolder : `${withoutTrailingSlash(props.checkpoint.subPath)}/${gridFolder}`;
      }
      const gridBytes = Object.entries(grid.data).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
      if (gridBytes > MAX_CONFIGMAP_BYTES) {
        throw invalid('grid', `the grid takes ${gridBytes} bytes, over the ${MAX_CONFIGMAP_BYTES}-byte ConfigMap limit; express the trials as axes, or split the sweep.`);
      }
      const resource = new RenderedApiObject(this, 'Resource', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name } });
      this.apiObject = resource;
      this.name = name;
      this.gridConfigMap = new RenderedApiObject(this, 'Grid', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-grid` },
        data: grid.data,
      });

      const parameterNames = new Set([...this.axes.map((a) => a.name), ...this.explicitTrials.flatMap((t) => Object.keys(t))].map(parameterEnvName));
      const trialIndexEnv = {
        name: TRIAL_INDEX_ENV,
        valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
      };
      const pod = this._buildTrainerPod(props, {
        workloadName: name,
        containerName: CONTAINER_NAME,
        component: 'hyperparameter-sweep',
        restartPolicy: 'Never',
        concurrentPods: this.parallelism,
      }, {
        command: ['/bin/sh', '-c', WRAPPER, 'sweep-trial', ...props.command],
        env: [trialIndexEnv, { name: ASSIGNMENT_FILE_ENV, value: ASSIGNMENT_JSON }],
        volumes: [
          { name: GRID_VOLUME, configMap: { name: this.gridConfigMap.name } },
          { name: ASSIGNMENT_VOLUME, emptyDir: {} },
        ],
        mounts: [{ name: ASSIGNMENT_VOLUME, mountPath: ASSIGNMENT_MOUNT, readOnly: true }],
        checkpointSubPathExpr: `${gridFolder}/trial-$(${TRIAL_INDEX_ENV})`,
        reservedEnv: {
          matches: (envName: string) => parameterNames.has(envName),
          why: "is also a sweep axis's variable: each trial's value would silently replace it",
        },
        initContainers: [{
          name: 'sweep-assignment',
          image: requireImage(this, 'helperImage', props.helperImage ?? DEFAULT_HELPER_IMAGE, DEFAULT_HELPER_IMAGE),
          command: ['/bin/sh', '-c', grid.decoder, 'sweep-decode', GRID_MOUNT, ASSIGNMENT_MOUNT],
          env: [trialIndexEnv],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
          volumeMounts: [
            { name: GRID_VOLUME, mountPath: GRID_MOUNT, readOnly: true },
            { name: ASSIGNMENT_VOLUME, mountPath: ASSIGNMENT_MOUNT },
          ],
        }],
      });
      addLabels(this.apiObject, pod.workloadLabels);
      resource._setSpec(trainingJobSpec(settings, pod, CONTAINER_NAME, {
        extra: { completionMode: 'Indexed', suspend: props.suspend, ...perIndex },
        omitBackoffLimit: perIndex.backoffLimitPerIndex !== undefined,
        configErrorAction: perIndex.backoffLimitPerIndex !== undefined ? 'FailIndex' : 'FailJob',
      }));
    } catch (error) {
      failConstruct(this, error);
    }
  }

  /**
   * Where trial `index` keeps its checkpoints, relative to the root of the checkpoint volume:
   * `[<checkpoint.subPath>/]grid-<hash of the grid>/trial-<index>`.
   * @param index a completion index, from 0 to completions - 1
   */
  public trialCheckpointPath(index: number): string {
    this.assignment(index); // checks the index
    if (this.trialsFolder === undefined) {
      throw invalid('trialCheckpointPath', `trialCheckpointPath(${index}): the sweep has no checkpoint storage (noCheckpointReason is set).`);
    }
    return `${this.trialsFolder}/trial-${index}`;
  }

  /**
   * The parameters trial `index` runs with, as the pod receives them.
   * @param index a completion index, from 0 to completions - 1
   */
  public assignment(index: number): { [name: string]: string } {
    if (!Number.isInteger(index) || index < 0 || index >= this.completions) {
      throw invalid('assignment', `assignment(${index}): index must be a whole number from 0 to ${this.completions - 1}.`);
    }
    return assignmentAt(this.axes, this.explicitTrials, index);
  }

  private perIndexRetries(props: HyperparameterSweepProps): { backoffLimitPerIndex?: number; maxFailedIndexes?: number } {
    if (props.backoffLimitPerIndex === undefined) {
      if (props.maxFailedIndexes !== undefined) {
        throw invalid('maxFailedIndexes', `maxFailedIndexes (${props.maxFailedIndexes}) needs backoffLimitPerIndex; set backoffLimitPerIndex too.`);
      }
      return {};
    }
    if (!this.kubernetesVersion.isAtLeast(KubernetesVersion.V1_29)) {
      throw invalid('backoffLimitPerIndex',
        `backoffLimitPerIndex (${props.backoffLimitPerIndex}) needs Kubernetes 1.29+: it is alpha in ${this.kubernetesVersion} and its ` +
        'apiserver would drop it silently, leaving retries counted across the sweep. Set kubernetesVersion: ' +
        'KubernetesVersion.V1_29 (or KubernetesVersion.setTarget) if your clusters run 1.29 or newer, or remove it.',
      );
    }
    const perIndex = nonNegativeInteger('backoffLimitPerIndex', props.backoffLimitPerIndex, 'retries of each trial');
    if (props.maxFailedIndexes !== undefined) {
      nonNegativeInteger('maxFailedIndexes', props.maxFailedIndexes, 'failed trials tolerated');
      if (props.maxFailedIndexes > this.completions) {
        throw invalid('maxFailedIndexes', `maxFailedIndexes (${props.maxFailedIndexes}) must not exceed the number of trials (${this.completions}).`);
      }
    }
    return { backoffLimitPerIndex: perIndex, maxFailedIndexes: props.maxFailedIndexes };
  }
}

function checkParameters(axes: SweepAxis[], trials: Array<{ [name: string]: string }>): void {
  const names = new Set<string>();
  for (const axis of axes) {
    if (names.has(axis.name)) throw invalid('grid', `grid: axis '${axis.name}' appears twice; merge its values into one SweepAxis.`);
    names.add(axis.name);
  }
  const envNames = new Map<string, string>();
  for (const name of names) {
    const env = parameterEnvName(name);
    if (envNames.has(env)) throw invalid('grid', `grid: axes '${envNames.get(env)}' and '${name}' both become ${env}; rename one.`);
    envNames.set(env, name);
  }
  trials.forEach((trial, i) => {
    const keys = Object.keys(trial);
    if (keys.length === 0) throw invalid('trials', `trials[${i}] is empty; give each trial at least one parameter.`);
    for (const key of keys) SweepAxis.of(key, [trial[key]]);
  });
}
