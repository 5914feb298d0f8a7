import { at, Rule, RuleMessage, WORKLOADS } from './rule';
import { isDescendingPath, isDnsLabel } from '../k8s/syntax';
import { containerRefs } from '../k8s/workloads';
import { SOURCES } from '../knowledge/sources';

const VOLUME_SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI', 'emptyDir',
  'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath', 'iscsi', 'nfs',
  'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte', 'rbd', 'scaleIO', 'secret',
  'storageos', 'vsphereVolume', 'image',
];

/** Volume names, sources, mounts and sub-paths. */
export const volumes: Rule = {
  id: 'volumes',
  sources: [SOURCES.coreValidation],
  kinds: [WORKLOADS],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A volume is unnamed, repeated or has not exactly one source, or a mount names no volume, repeats a path or has a bad subPath.',
  why: 'The apiserver rejects the pod (for custom resources, the pods fail to start later).',
  fix: 'Declare each volume once with one source, and mount declared volumes at distinct absolute paths with relative sub-paths.',
  example: `volumeMounts:
  - name: data   # no volume named data
    mountPath: /data`,
  check(object, context) {
    const messages: RuleMessage[] = [];
    context.workloads.forEachPodSpec(object, (podSpec, path, _ref, keys) => {
      const declared = new Set<string>();
      (Array.isArray(podSpec?.volumes) ? podSpec.volumes : []).forEach((volume: any, i: number) => {
        const name = volume?.name;
        const volumeKeys = [...keys, 'volumes', i];
        if (!isDnsLabel(name)) messages.push(at([...volumeKeys, 'name'], `${path} volume name '${name}' is not a DNS-1123 label.`));
        if (declared.has(name)) messages.push(at([...volumeKeys, 'name'], `${path} volume '${name}' is declared twice.`));
        declared.add(name);
        const count = VOLUME_SOURCES.filter((source) => volume?.[source] !== undefined).length;
        if (count !== 1) messages.push(at(volumeKeys, `${path} volume '${name}' must have exactly one source, found ${count}.`));
      });
      for (const { container, keys: containerKeys } of containerRefs(podSpec, keys)) {
        const paths = new Set<string>();
        (Array.isArray(container?.volumeMounts) ? container.volumeMounts : []).forEach((mount: any, i: number) => {
          const where = `${path} container '${container.name}' mount '${mount?.name}'`;
          const mountKeys = [...containerKeys, 'volumeMounts', i];
          if (!declared.has(mount?.name)) messages.push(at([...mountKeys, 'name'], `${where} names no declared volume.`));
          if (typeof mount?.mountPath !== 'string' || mount.mountPath === '') messages.push(at(mountKeys, `${where} has no mountPath.`));
          else if (paths.has(mount.mountPath)) messages.push(at([...mountKeys, 'mountPath'], `${where} repeats mountPath '${mount.mountPath}'.`));
          paths.add(mount?.mountPath);
          if (mount?.subPath !== undefined && mount?.subPathExpr !== undefined) messages.push(at(mountKeys, `${where} sets both subPath and subPathExpr.`));
          for (const field of ['subPath', 'subPathExpr']) {
            if (typeof mount?.[field] === 'string' && !isDescendingPath(mount[field])) messages.push(at([...mountKeys, field], `${where} ${field} '${mount[field]}' must be relative without '..'.`));
          }
        });
      }
    });
    return messages;
  },
};
