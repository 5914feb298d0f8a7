import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { placeholderIn } from '../k8s/template';

/** Env names of credentials trainers read: Hugging Face, Weights & Biases, cloud and API keys. */
const SECRET_NAMES = /^(?:HF_TOKEN|HUGGING_?FACE_(?:HUB_)?TOKEN|HF_API_TOKEN|WANDB_API_KEY|COMET_API_KEY|NEPTUNE_API_TOKEN|MLFLOW_TRACKING_PASSWORD|MLFLOW_TRACKING_TOKEN|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AZURE_CLIENT_SECRET|AZURE_STORAGE_KEY|AZURE_STORAGE_CONNECTION_STRING|GOOGLE_API_KEY|GITHUB_TOKEN|GH_TOKEN|GITLAB_TOKEN|OPENAI_API_KEY|ANTHROPIC_API_KEY|KAGGLE_KEY)$|_(?:API_KEY|APIKEY|SECRET_KEY|ACCESS_KEY|AUTH_TOKEN|ACCESS_TOKEN|PASSWORD|SECRET)$/;
/** Values in a credential's own format, whatever the variable is called. */
const SECRET_VALUES = /^(?:hf_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9_-]{20,}|xox[abp]-[A-Za-z0-9-]{20,})$/;

/** Whether a literal env value is a credential: named like one (and not a stand-in), or in a credential's format. */
function isLiteralSecret(name: string, value: string): boolean {
  if (SECRET_VALUES.test(value)) return true;
  if (!SECRET_NAMES.test(name)) return false;
  // Empty, a flag, a stand-in or an example value is not a credential.
  return value.length >= 8 && !/^(?:true|false|none|null|dummy|changeme|x+|\*+)$/i.test(value) && placeholderIn(value) === undefined;
}

/** A credential written into the manifest as a literal env value. */
export const literalSecret: Rule = {
  id: 'literal-secret',
  sources: ['https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables'],
  kinds: [WORKLOADS],
  severity: 'error',
  what: 'An env var holds a credential as a literal value (HF_TOKEN, WANDB_API_KEY, AWS_SECRET_ACCESS_KEY, *_API_KEY, or a value in a token format such as hf_..., AKIA...).',
  why: 'The token is in the repository, in every copy of the manifest and in the object anyone with read access to the Job can get; rotating it means editing and re-applying every manifest.',
  fix: 'Keep it in a Secret and read it with valueFrom.secretKeyRef (EnvValue.fromSecret in the constructs).',
  example: `env:
- name: HF_TOKEN
  value: hf_aBcD...   # use valueFrom.secretKeyRef`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      for (const field of ['initContainers', 'containers'] as const) {
        (Array.isArray(podSpec?.[field]) ? podSpec[field] : []).forEach((container: any, c: number) => {
          (Array.isArray(container?.env) ? container.env : []).forEach((env: any, e: number) => {
            if (typeof env?.name !== 'string' || typeof env?.value !== 'string' || !isLiteralSecret(env.name, env.value)) return;
            messages.push(at([...keys, field, c, 'env', e, 'value'],
              `${path} container '${container?.name}' has the credential ${env.name} as a literal value.`,
              `Store it in a Secret and set ${env.name} from valueFrom.secretKeyRef (kubectl create secret generic <name> --from-literal=${env.name}=...).`));
          });
        });
      }
    });
    return messages;
  },
};
