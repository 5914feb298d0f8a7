/** The containers of the trainer pod: images, command lines, init containers and native sidecars, and their ports. */
import { Construct } from 'constructs';
import { envList } from './env';
import { cpuQuantity, positiveMemory } from './resources';
import * as k8s from '../../k8s/api';
import { floatingTag, isDnsLabel, isDnsSubdomain, isPortNumber, portNameProblem } from '../../k8s/syntax';
import { advise } from '../advice';
import { invalid } from '../errors';
import { ContainerPort, ExtraContainerProps } from '../pod-values';

/**
 * An image reference the kubelet can pull: not empty, no whitespace, a lower-case repository
 * (upper case fails only on the node, as InvalidImageName, after the pod took its GPUs). A
 * missing or `latest` tag is advised against: a retry or a replacement may run other code.
 * @param prop the prop, for messages (`image`, `sidecars[0].image`)
 * @param example a reference to suggest
 */
export function requireImage(scope: Construct, prop: string, image: string, example: string): string {
  if (typeof image !== 'string' || image.trim() === '') {
    throw invalid(prop, `${prop} is empty; set it to the container's image, e.g. '${example}'.`);
  }
  if (/\s/.test(image)) {
    throw invalid(prop, `${prop} ('${image}') contains whitespace; write the reference without spaces, e.g. '${example}'.`);
  }
  const [withoutDigest] = image.split('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const path = repository.includes('/') && /[.:]|^localhost$/.test(repository.split('/')[0]) ? repository.slice(repository.indexOf('/') + 1) : repository;
  if (path !== path.toLowerCase()) {
    throw invalid(prop, `${prop} ('${image}'): the repository '${path}' has upper-case letters, which image references do not allow; write '${path.toLowerCase()}'.`);
  }
  const floating = floatingTag(image);
  if (floating !== undefined) {
    advise(scope, 'image-tag', `${prop} ('${image}') has ${floating === 'latest' ? 'the tag latest' : 'no tag (so :latest)'}: a retry or a replacement after ` +
      'preemption may run different code than the first attempt.');
  }
  return image;
}

/** Command and args entries that Kubernetes passes literally but a shell would have interpreted, or that are empty. */
export function checkArgv(prop: string, argv: string[] | undefined): void {
  (argv ?? []).forEach((arg, i) => {
    if (arg === '') {
      throw invalid(prop, `${prop}[${i}] is an empty string, which the program receives as an empty argument; remove it.`);
    }
    if (/^(\d?>>?|<|\d?>&\d|&>|\|)$/.test(arg)) {
      throw invalid(prop, `${prop}[${i}] ('${arg}') is shell redirection, but Kubernetes runs no shell: the program receives it literally. ` +
        "Use TrainerCommand.shell('python train.py > /tmp/log 2>&1') or let the trainer write its own files.");
    }
  });
}

/** A mount path must be absolute: a relative one is refused by the apiserver. */
export function checkMountPath(prop: string, mountPath: string, example: string): void {
  if (!mountPath.startsWith('/')) throw invalid(prop, `${prop} ('${mountPath}') must be an absolute path, e.g. '${example}'.`);
}

/** A referenced object's name (service account, pull secret), checked as the apiserver will. */
export function objectName(prop: string, name: string | undefined): string | undefined {
  if (name !== undefined && !isDnsSubdomain(name)) {
    throw invalid(prop, `${prop} ('${name}') must be the name of an object in the namespace: lower-case letters, digits, '-' and '.'.`);
  }
  return name;
}

/** Init containers or sidecars as Kubernetes writes them, named uniquely, mounting only the pod's volumes. */
export function extraContainers(
  scope: Construct, prop: string, list: ExtraContainerProps[] | undefined, taken: string[], volumes: k8s.Volume[],
): k8s.Container[] {
  const names = new Set(taken);
  const volumeNames = volumes.map((v) => v.name);
  return (list ?? []).map((props, i) => {
    const at = `${prop}[${i}]`;
    if (typeof props.name !== 'string' || props.name === '') throw invalid(prop, `${at} has no name; name each container, e.g. name: 'log-shipper'.`);
    if (!isDnsLabel(props.name)) throw invalid(`${prop}.name`, `${at}.name ('${props.name}') must be a DNS label: lower-case letters, digits and '-', at most 63.`);
    if (names.has(props.name)) throw invalid(`${prop}.name`, `${at}: the container name '${props.name}' is already used in the pod; choose another.`);
    names.add(props.name);
    const image = requireImage(scope, `${at}.image`, props.image, 'fluent/fluent-bit:3.1');
    checkArgv(`${at}.command`, props.command);
    checkArgv(`${at}.args`, props.args);
    const quantities: { [key: string]: string } = {};
    if (props.cpu) quantities.cpu = cpuQuantity(`${at}.cpu`, props.cpu);
    if (props.memory) quantities.memory = positiveMemory(`${at}.memory`, props.memory);
    const mounts = (props.volumeMounts ?? []).map((mount, j): k8s.VolumeMount => {
      if (!volumeNames.includes(mount.volume)) {
        throw invalid(`${prop}.volumeMounts`, `${at}.volumeMounts[${j}]: '${mount.volume}' is not a volume of the pod; use one of ${volumeNames.map((n) => `'${n}'`).join(', ')} ` +
          '(add others with the volumes prop).');
      }
      checkMountPath(`${at}.volumeMounts[${j}].mountPath`, mount.mountPath, '/data');
      return { name: mount.volume, mountPath: mount.mountPath, readOnly: mount.readOnly, subPath: mount.subPath };
    });
    return {
      name: props.name,
      image,
      imagePullPolicy: props.imagePullPolicy,
      command: props.command === undefined ? undefined : [...props.command],
      args: props.args === undefined ? undefined : [...props.args],
      workingDir: props.workingDir,
      env: envList(`${at}.env`, props.env),
      ports: containerPorts(`${at}.ports`, props.ports),
      resources: Object.keys(quantities).length === 0 ? undefined : { requests: { ...quantities }, limits: { ...quantities } },
      volumeMounts: mounts,
    };
  });
}

/** A container's ports as the apiserver accepts them (validateContainerPorts). */
export function containerPorts(prop: string, ports: ContainerPort[] | undefined): k8s.ContainerPort[] {
  const names = new Set<string>();
  return (ports ?? []).map((port, i) => {
    if (!isPortNumber(port.number)) {
      throw invalid(`${prop}.number`, `${prop}[${i}].number (${port.number}) must be a whole number from 1 to 65535.`);
    }
    if (port.name !== undefined) {
      const problem = portNameProblem(port.name);
      if (problem !== undefined) {
        throw invalid(`${prop}.name`, `${prop}[${i}].name ('${port.name}') ${problem}: a port name is an IANA service name of at most 15 lower-case letters, ` +
          "digits and '-', e.g. 'metrics'.");
      }
      if (names.has(port.name)) throw invalid(`${prop}.name`, `${prop}[${i}].name ('${port.name}') is already the name of another port of the container; give each its own.`);
      names.add(port.name);
    }
    return { containerPort: port.number, name: port.name };
  });
}
