import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct, Node } from 'constructs';
import { findAdvice, formatAdvice } from './blocks/advice';
import { invalid } from './blocks/errors';
import { KubernetesVersion } from './blocks/kubernetes-version';
import { buildTrainerPod, PodContribution, PodIdentity, TrainerPod } from './blocks/pod/trainer-pod';
import { renderForRules, renderIdentity } from './blocks/rendered-api-object';
import { TrainingWorkloadProps } from './blocks/training-workload-props';
import { Warnings } from './blocks/warnings';
import { contextFor, evaluate } from './findings/evaluate';
import { ACKNOWLEDGE_PREFIX } from './knowledge/contract';
import { findRule } from './rules';
import { formatFinding } from './rules/rule';

/**
 * Base of the training constructs: runs the library's rules over everything the construct
 * synthesizes, and holds the per-rule opt-outs.
 *
 * Rules run when the app synthesizes (`Node.of(this).addValidation`), after the
 * constructor's own prop checks and any escape-hatch changes (`addJsonPatch`), so an
 * error fails `cdk8s synth` before any YAML is written; warnings are printed and can be
 * read with `Warnings.of(scope)`.
 */
export abstract class TrainingWorkload extends Construct {
  /** The Kubernetes version this construct's manifest targets. */
  public readonly kubernetesVersion: KubernetesVersion;

  private readonly acknowledgements = new Map<string, string>();
  private readonly advice: Array<{ id: string; message: string }> = [];
  private lastEvaluation?: { readonly key: string; readonly errors: string[] };
  private readonly knownClaims: { [name: string]: string[] } = {};
  /** The checkpoint claim this construct's pods mount, for the app-wide shared-claim check. @internal */
  public _checkpointClaim?: { readonly namespace: string; readonly name: string; readonly accessModes: string[]; readonly subPath?: string };

  protected constructor(scope: Construct, id: string, kubernetesVersion?: KubernetesVersion) {
    super(scope, id);
    this.kubernetesVersion = kubernetesVersion ?? KubernetesVersion.targetOf(this);
    Node.of(this).addValidation({ validate: () => this.runRules() });
    addDuplicateCheck(Node.of(this).root);
  }

  /**
   * Turns a rule or a construct warning off for this construct, with a written reason (shown in
   * `acknowledgedRules`). A rule's acknowledgement is also written into the construct's objects
   * as the `acknowledge.cdk8s-training.io/<rule-id>` annotation, which the validation plugin and
   * `cdk8s-training lint` honour. Rules the apiserver or a webhook enforce cannot be acknowledged.
   * @param ruleId the rule's id, e.g. `checkpoint-volume`
   * @param reason why the rule does not apply here
   */
  public acknowledgeRule(ruleId: string, reason: string): void {
    const rule = findRule(ruleId);
    if (!rule && !findAdvice(ruleId)) {
      throw invalid('acknowledgeRule', `acknowledgeRule: '${ruleId}' is not a rule or warning of cdk8s-training; see docs/rules.md for the ids.`);
    }
    if (rule?.refusedBy !== undefined) {
      throw invalid('acknowledgeRule', `acknowledgeRule('${ruleId}'): ${rule.refusedBy} refuses what this rule finds, so acknowledging it would only ` +
        'let out YAML that does not apply; fix the object instead (the message of the finding says how).');
    }
    if (reason.trim().length === 0) {
      throw invalid('acknowledgeRule', `acknowledgeRule('${ruleId}'): the reason is empty; say why the rule does not apply to this workload.`);
    }
    this.acknowledgements.set(ruleId, reason);
  }

  /**
   * Records a warning about the props, reported at synth unless acknowledged.
   * @internal
   */
  public _advise(id: string, message: string): void {
    if (!this.advice.some((a) => a.id === id && a.message === message)) this.advice.push({ id, message });
  }

  /** The rules turned off for this construct, as `ruleId: reason`. */
  public get acknowledgedRules(): string[] {
    return [...this.acknowledgements.entries()].map(([id, reason]) => `${id}: ${reason}`);
  }

  /**
   * Builds the trainer pod from the shared props, and records the access modes of a claim
   * the construct mounts but does not create, so the rules can tell whether pods may share it.
   * @internal
   */
  protected _buildTrainerPod(props: TrainingWorkloadProps, identity: PodIdentity, contribution: PodContribution = {}): TrainerPod {
    const pod = buildTrainerPod(this, { ...props, kubernetesVersion: this.kubernetesVersion }, identity, contribution);
    // The reason for having no checkpoint is already written down: the rule that asks for one
    // has been answered.
    if (props.noCheckpointReason !== undefined && !this.acknowledgements.has('checkpoint-volume')) {
      this.acknowledgements.set('checkpoint-volume', props.noCheckpointReason);
    }
    if (props.checkpoint && pod.checkpointClaimName) {
      this._checkpointClaim = {
        namespace: Chart.of(this).namespace ?? '',
        name: pod.checkpointClaimName,
        accessModes: [...props.checkpoint.storage.accessModes],
        subPath: props.checkpoint.subPath,
      };
    }
    if (props.checkpoint && pod.checkpointClaimName && !props.checkpoint.storage.createsClaim) {
      this.knownClaims[pod.checkpointClaimName] = props.checkpoint.storage.accessModes;
    }
    return pod;
  }

  private runRules(): string[] {
    const apiObjects = Node.of(this).findAll().filter((child): child is ApiObject => child instanceof ApiObject);
    // Acknowledged rules are written into the manifest as the annotation the validation plugin
    // and `cdk8s-training lint` honour (construct warnings are not lint rules: they stay here).
    for (const [id, reason] of this.acknowledgements) {
      if (!findRule(id)) continue;
      for (const object of apiObjects) object.metadata.addAnnotation(`${ACKNOWLEDGE_PREFIX}${id}`, reason);
    }
    const objects = apiObjects.map(renderForRules);
    // cdk8s validates more than once per synth; the same renderings and opt-outs give the same
    // findings, so they are evaluated once (the warnings were printed then).
    const key = JSON.stringify([this.kubernetesVersion.minor, [...this.acknowledgements.keys()], this.advice.length,
      apiObjects.map((o, i) => renderIdentity(o, objects[i]))]);
    if (this.lastEvaluation?.key === key) return this.lastEvaluation.errors;
    const context = contextFor(objects, this.kubernetesVersion.minor, this.knownClaims);
    const findings = evaluate(objects, context, new Set(this.acknowledgements.keys()));
    const errors: string[] = [];
    const already = new Set(Warnings.of(this));
    for (const { id, message } of this.advice) {
      const line = formatAdvice(id, message);
      if (!this.acknowledgements.has(id) && !already.has(`${Node.of(this).path}: ${line}`)) Warnings.add(this, line);
    }
    for (const finding of findings) {
      const line = formatFinding(finding);
      if (finding.severity === 'error') {
        errors.push(line);
      } else if (!already.has(`${Node.of(this).path}: ${line}`)) {
        Warnings.add(this, line);
      }
    }
    this.lastEvaluation = { key, errors };
    return errors;
  }
}

const CHECKED_ROOTS = new WeakSet<IConstruct>();

/**
 * Once per app: two objects of the same kind, namespace and name anywhere in the app (the
 * library's or any other in the charts) are a synth error, because applying the YAML would
 * make the second silently replace the first.
 */
function addDuplicateCheck(root: IConstruct): void {
  if (CHECKED_ROOTS.has(root)) return;
  CHECKED_ROOTS.add(root);
  Node.of(root).addValidation({
    validate: () => {
      const seen = new Map<string, ApiObject>();
      const errors: string[] = [];
      for (const object of Node.of(root).findAll()) {
        if (!(object instanceof ApiObject)) continue;
        const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
        const namespace = object.metadata.namespace ?? '';
        const key = `${group}|${object.kind}|${namespace}|${object.name}`;
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, object);
          continue;
        }
        const where = namespace ? `namespace '${namespace}'` : 'the cluster';
        errors.push(
          `${object.kind} '${object.name}' in ${where} is written twice, by ${Node.of(first).path} and ${Node.of(object).path}: ` +
          'applying the YAML would make the second replace the first. Give one of them another name ' +
          '(ExperimentName.of(base, params) keeps different parameters apart).',
        );
      }
      errors.push(...sharedSingleNodeClaims(root), ...sharedCheckpointRoots(root));
      return errors;
    },
  });
}

type CheckpointClaim = NonNullable<TrainingWorkload['_checkpointClaim']>;

/**
 * The checkpoint claims (by namespace and name) that more than one construct mounts, among
 * the mounts `counts` selects, with the paths of those constructs.
 */
function claimsSharedBy(root: IConstruct, counts: (claim: CheckpointClaim) => boolean): Array<{ claim: CheckpointClaim; paths: string[] }> {
  const users = new Map<string, { claim: CheckpointClaim; paths: string[] }>();
  for (const c of Node.of(root).findAll()) {
    if (!(c instanceof TrainingWorkload) || c._checkpointClaim === undefined || !counts(c._checkpointClaim)) continue;
    const claim = c._checkpointClaim;
    const key = `${claim.namespace}|${claim.name}`;
    const entry = users.get(key) ?? { claim, paths: [] };
    entry.paths.push(Node.of(c).path);
    users.set(key, entry);
  }
  return [...users.values()].filter((u) => u.paths.length > 1);
}

function claimWhere(claim: CheckpointClaim): string {
  return `checkpoint claim '${claim.name}'${claim.namespace ? ` in namespace '${claim.namespace}'` : ''}`;
}

/**
 * A ReadWriteOnce (or ReadWriteOncePod) checkpoint claim mounted by two constructs: their
 * pods can run at the same time on different nodes, and the second never starts
 * (Multi-Attach error). Within one construct the pod count is checked at build.
 */
function sharedSingleNodeClaims(root: IConstruct): string[] {
  return claimsSharedBy(root, (claim) => !claim.accessModes.includes('ReadWriteMany')).map(({ claim, paths }) =>
    `${claimWhere(claim)} is ${claim.accessModes.join(', ')} ` +
    `but mounted by ${paths.join(' and ')}, whose pods can run at once on different nodes: the later one never starts ` +
    '(Multi-Attach error). Use a ReadWriteMany claim, or give each construct its own claim.');
}

/**
 * One checkpoint claim mounted at its root by two constructs: each trainer reads the other's
 * checkpoints as its own and resumes from them (or crashes on a mismatched model). A
 * `checkpoint.subPath` per construct keeps them apart; the same subPath written on both is
 * taken as meant.
 */
function sharedCheckpointRoots(root: IConstruct): string[] {
  return claimsSharedBy(root, (claim) => claim.subPath === undefined).map(({ claim, paths }) =>
    `${claimWhere(claim)} is mounted at its root by ${paths.join(' and ')}: ` +
    "each trainer would find the other's checkpoints in CHECKPOINT_DIR and resume from them. " +
    "Give each a checkpoint.subPath of its own, e.g. checkpoint: { storage, subPath: '<job name>' }.");
}
