import { at, Rule } from './rule';
import { isDnsSubdomain } from '../k8s/syntax';
import { jobSpecOf } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const NAME = ['metadata', 'name'];

/** Names that break the labels or hostnames derived from them. */
export const jobNameLength: Rule = {
  id: 'job-name-length',
  sources: [SOURCES.batchValidation, SOURCES.jobStrategy, SOURCES.cronJobController],
  kinds: ['Job', 'CronJob'],
  severity: 'error',
  what: 'A Job name is over 63 characters, an Indexed pod hostname over 63, or a CronJob name over 52.',
  why: 'The job-name label (63), the `<job>-<index>` hostnames and the `<cronjob>-<minutes>` Job names derive from it.',
  fix: 'Shorten the name, e.g. with ExperimentName.of(base, params, { maxLength }).',
  example: `kind: CronJob
metadata:
  name: fraud-transformer-weekly-full-retrain-on-thirty-days   # 54 > 52`,
  check(object) {
    const name = object?.metadata?.name;
    const spec = jobSpecOf(object);
    if (!spec || typeof name !== 'string') return [];
    if (!isDnsSubdomain(name)) return [at(NAME, `name '${name}' is not a DNS subdomain (lower-case alphanumerics, '-', '.').`)];
    if (object.kind === 'CronJob') {
      return name.length > 52 ? [at(NAME, `CronJob name '${name}' has ${name.length} characters; at most 52 leave room for the Job suffix.`)] : [];
    }
    if (name.length > 63) return [at(NAME, `Job name '${name}' has ${name.length} characters; the job-name label allows 63.`)];
    if (spec.completionMode === 'Indexed' && Number.isInteger(spec.completions) && spec.completions > 0) {
      const hostname = `${name}-${spec.completions - 1}`;
      if (hostname.length > 63) {
        return [at(NAME, `pod hostname '${hostname}' has ${hostname.length} characters; Indexed pod hostnames allow 63.`)];
      }
    }
    return [];
  },
};
