import { isDescendingPath, isDnsLabel } from './k8s-syntax';
import { Rule } from './rule';
import { containersOf, forEachPodSpec } from './workloads';

const SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI', 'emptyDir',
  'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath', 'iscsi', 'nfs',
  'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte', 'rbd', 'scaleIO', 'secret',
  'storageos', 'vsphereVolume', 'image',
];

/** RULEBOOK P7: volume names, sources, mounts and sub-paths. */
export const volumes: Rule = {
  id: 'volumes',
  rulebook: ['P7'],
  severity: 'error',
  refusedBy: 'the apiserver',
  what: 'A volume is unnamed, repeated or has not exactly one source, or a mount names no volume, repeats a path or has a bad subPath.',
  why: 'The apiserver rejects the pod (for custom resources, the pods fail to start later).',
  fix: 'Declare each volume once with one source, and mount declared volumes at distinct absolute paths with relative sub-paths.',
  example: `volumeMounts:
  - name: data   # no volume named data
    mountPath: /data`,
  check(object) {
    const messages: string[] = [];
    forEachPodSpec(object, (podSpec, path) => {
      const declared = new Set<string>();
      for (const volume of podSpec?.volumes ?? []) {
        const name = volume?.name;
        if (!isDnsLabel(name)) messages.push(`${path} volume name '${name}' is not a DNS-1123 label.`);
        if (declared.has(name)) messages.push(`${path} volume '${name}' is declared twice.`);
        declared.add(name);
        const count = SOURCES.filter((source) => volume?.[source] !== undefined).length;
        if (count !== 1) messages.push(`${path} volume '${name}' must have exactly one source, found ${count}.`);
      }
      for (const container of containersOf(podSpec)) {
        const paths = new Set<string>();
        for (const mount of container?.volumeMounts ?? []) {
          const where = `${path} container '${container.name}' mount '${mount?.name}'`;
          if (!declared.has(mount?.name)) messages.push(`${where} names no declared volume.`);
          if (typeof mount?.mountPath !== 'string' || mount.mountPath === '') messages.push(`${where} has no mountPath.`);
          else if (paths.has(mount.mountPath)) messages.push(`${where} repeats mountPath '${mount.mountPath}'.`);
          paths.add(mount?.mountPath);
          if (mount?.subPath !== undefined && mount?.subPathExpr !== undefined) messages.push(`${where} sets both subPath and subPathExpr.`);
          for (const field of ['subPath', 'subPathExpr']) {
            if (typeof mount?.[field] === 'string' && !isDescendingPath(mount[field])) messages.push(`${where} ${field} '${mount[field]}' must be relative without '..'.`);
          }
        }
      }
    });
    return messages;
  },
};
