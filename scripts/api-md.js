#!/usr/bin/env node
// After `jsii-docgen -o API.md` (the docgen task): documents each prop once. jsii-docgen
// repeats every inherited prop in full under each struct that extends another (the 40 props
// of TrainingWorkloadProps under every construct's props); here a struct keeps the detail of
// its own props, its table links each inherited prop to the struct that declares it, and a
// line says where the rest are. Reads the interfaces from the jsii assembly (.jsii).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const file = path.join(root, 'API.md');
const assembly = JSON.parse(fs.readFileSync(path.join(root, '.jsii'), 'utf8'));
const types = assembly.types;

/** The struct that declares `prop`, walking `fqn` and its bases (own props first). */
function declaringStruct(fqn, prop) {
  const type = types[fqn];
  if (!type) return undefined;
  if ((type.properties ?? []).some((p) => p.name === prop)) return fqn;
  for (const base of type.interfaces ?? []) {
    const found = declaringStruct(base, prop);
    if (found) return found;
  }
  return undefined;
}

let text = fs.readFileSync(file, 'utf8');
const before = text.length;
for (const [fqn, type] of Object.entries(types)) {
  if (type.kind !== 'interface' || !type.datatype || !(type.interfaces ?? []).length) continue;
  const start = text.indexOf(`<a name="${type.name}" id="${fqn}"></a>`);
  if (start < 0) continue;
  const end = (() => {
    const next = text.indexOf('\n### ', start);
    const section = text.indexOf('\n## ', start);
    return [next, section].filter((i) => i >= 0).reduce((a, b) => Math.min(a, b), text.length);
  })();
  let section = text.slice(start, end);
  const inherited = new Map();
  for (const [, prop] of section.matchAll(/id="[^"]+\.property\.([A-Za-z0-9_]+)"/g)) {
    const owner = declaringStruct(fqn, prop);
    if (owner && owner !== fqn) inherited.set(prop, owner);
  }
  if (inherited.size === 0) continue;
  for (const [prop, owner] of inherited) {
    // The table row links to the declaring struct's entry.
    section = section.split(`href="#${fqn}.property.${prop}"`).join(`href="#${owner}.property.${prop}"`);
    // The repeated detail block (from its heading to the `---` after it) goes.
    const heading = section.indexOf(`id="${fqn}.property.${prop}"></a>`);
    if (heading < 0) continue;
    const blockStart = section.lastIndexOf('\n##### ', heading);
    const blockEnd = section.indexOf('\n---\n', heading);
    if (blockStart < 0 || blockEnd < 0) continue;
    section = section.slice(0, blockStart) + section.slice(blockEnd + '\n---\n'.length - 1);
  }
  const owners = [...new Set(inherited.values())].map((owner) => `[${types[owner].name}](#${owner})`);
  section = section.replace('#### Properties <a name="Properties" id="Properties"></a>\n',
    `#### Properties <a name="Properties" id="Properties"></a>\n\nThe props inherited from ${owners.join(' and ')} link to their entry there.\n`);
  text = text.slice(0, start) + section.replace(/\n{3,}/g, '\n\n') + text.slice(end);
}
fs.writeFileSync(file, text);
process.stdout.write(`api-md: API.md ${Math.round(before / 1024)} KB -> ${Math.round(text.length / 1024)} KB (inherited props documented once)\n`);
