#!/usr/bin/env bash
# npm run test:languages: the packages that `npx projen package-all` just built (dist/js,
# dist/python, dist/java, dist/go), each installed the way the README tells a user to, in an
# empty scratch folder, with its cdk8s dependencies from that language's registry. Each runs
# the README's quick start in its language (examples/quickstart/); the YAML each writes must
# be byte-identical to the TypeScript quick start's. The TypeScript consumer also runs
# `cdk8s synth` with the validation plugin in both of the README's cdk8s.yaml forms; the
# Python one runs pytest (test/languages/python), including the `cdk8s-training` lint script
# the wheel installs.
#
# LANGUAGES_WORK_DIR  scratch folder (default: a new temporary folder, removed on success)
# LANGUAGES           the languages to run (default: "typescript python java go")
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

languages="${LANGUAGES:-typescript python java go}"
work="${LANGUAGES_WORK_DIR:-$(mktemp -d -t cdk8s-training-languages.XXXXXX)}"
rm -rf "$work" && mkdir -p "$work"
started=$(date +%s)
step() { echo "languages: $1 ($(( $(date +%s) - started ))s)"; }

missing() {
  echo "languages suite SKIPPED: $1" >&2
  # CI (REQUIRE_ALL_SUITES=1) must not pass on a suite that did not run.
  if [ -n "${REQUIRE_ALL_SUITES:-}" ]; then exit 1; fi
  exit 0
}
for tool in python3 mvn java go; do
  command -v "$tool" >/dev/null 2>&1 || missing "no $tool on PATH (the Python, Java and Go packages need it)"
done

version=$(node -p "require('./package.json').version")
tarball="$root/dist/js/cdk8s-training@$version.jsii.tgz"
[ -f "$tarball" ] || tarball=$(ls "$root"/dist/js/cdk8s-training-*.tgz 2>/dev/null | head -1 || true)
wheel=$(ls "$root"/dist/python/cdk8s_training-*.whl 2>/dev/null | head -1 || true)
[ -n "$tarball" ] && [ -f "$tarball" ] || { echo "languages: no npm tarball in dist/js; run 'npx projen package-all'" >&2; exit 1; }
[ -n "$wheel" ] || { echo "languages: no wheel in dist/python; run 'npx projen package-all'" >&2; exit 1; }
[ -d dist/java/io/github/cdk8s-training ] || { echo "languages: no Maven artifact in dist/java; run 'npx projen package-all'" >&2; exit 1; }
[ -d dist/go/cdk8straining ] || { echo "languages: no Go module in dist/go; run 'npx projen package-all'" >&2; exit 1; }

# The fenced block that follows `<!-- run: NAME -->` in the README or a docs page: the lines a
# user types (test/readme.test.ts checks each name is used once).
readme_block() {
  awk -v marker="<!-- run: $1 -->" '
    $0 == marker { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }
  ' "$root/README.md" "$root"/docs/*.md
}

expected="$work/expected"
compare() { # LANGUAGE OUTDIR
  if ! diff -r "$expected" "$2" >"$work/$1.diff"; then
    echo "languages: $1 quick start YAML differs from the TypeScript quick start's:" >&2
    head -40 "$work/$1.diff" >&2
    exit 1
  fi
  echo "languages: $1 quick start wrote $(ls "$2" | tr '\n' ' ')byte-identical to TypeScript"
}

# --- TypeScript: the README's install lines in an empty folder, the package from dist/js ---
ts="$work/typescript"
mkdir -p "$ts/home" && cd "$ts"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# The package is not on the registry yet: install the tarball just built under its name.
readme_block install-typescript | sed "s# cdk8s-training # $tarball #" > install.sh
bash -euo pipefail install.sh >install.log 2>&1 || { cat install.log >&2; exit 1; }
cp "$root/examples/quickstart/quickstart.ts" main.ts
# The README's commands: synth without type-checking, the type-check apart (as in CI).
CDK8S_OUTDIR="$expected" npx ts-node --transpile-only main.ts
npx tsc --noEmit || { echo "languages: the quick start does not type-check with the README's tsconfig.json" >&2; exit 1; }
[ -s "$expected/team-fraud.k8s.yaml" ] || { echo "languages: the TypeScript quick start wrote nothing" >&2; exit 1; }
step "typescript quick start synthesized ($(npx tsc --version), ts-node $(npx ts-node --version))"

# The installed package's strict check uses the validators compiled ahead (the build writes them
# beside the schemas; they require ajv's runtime from the installed dependencies).
ahead=$(node -p "require('cdk8s-training/lib/findings/strict-schemas').StrictSchemas.load().compiledAhead().join(' ')")
case " $ahead " in *" batch/v1/Job "*) ;; *) echo "languages: the installed package compiles a Job's schema on first use (compiled ahead: '$ahead')" >&2; exit 1 ;; esac

# cdk8s synth with the validation plugin, both forms the README shows.
installed_version=$(node -p "require('cdk8s-training/package.json').version")
cdk8s_yaml() { # FORM -> cdk8s.yaml
  readme_block "$1" | sed "s#<installed version>#$installed_version#"
}
cdk8s_yaml cdk8s-yaml-installed > cdk8s.yaml
grep -q "package: ./node_modules/cdk8s-training" cdk8s.yaml
HOME="$ts/home" npx cdk8s synth --output synth-installed >synth-installed.log 2>&1 \
  || { cat synth-installed.log >&2; exit 1; }
grep -q "Validation Report (.*cdk8s-training@$installed_version)" synth-installed.log \
  || { echo "languages: cdk8s synth printed no report of the installed plugin:" >&2; cat synth-installed.log >&2; exit 1; }
grep -qE "Status +│ success" synth-installed.log \
  || { echo "languages: the quick start failed its own validation plugin:" >&2; cat synth-installed.log >&2; exit 1; }
diff "$expected/team-fraud.k8s.yaml" synth-installed/team-fraud.k8s.yaml >/dev/null \
  || { echo "languages: cdk8s synth wrote other YAML than the quick start" >&2; exit 1; }
# The registry form: the CLI installs `cdk8s-training@<version>` into ~/.cdk8s/plugins/cdk8s-training/<version>
# with `npm install --prefix`. The package is not on the registry yet, so run the CLI's own
# install command with the tarball in place of the name; the CLI then loads it from there.
cdk8s_yaml cdk8s-yaml-registry > cdk8s.yaml
grep -q "package: cdk8s-training$" cdk8s.yaml
npm install "$tarball" --no-save --prefix "$ts/home/.cdk8s/plugins/cdk8s-training/$installed_version" >/dev/null 2>&1
HOME="$ts/home" npx cdk8s synth --output synth-registry >synth-registry.log 2>&1 \
  || { cat synth-registry.log >&2; exit 1; }
grep -q "Validation Report (cdk8s-training@$installed_version)" synth-registry.log \
  || { echo "languages: cdk8s synth printed no report of the registry-form plugin:" >&2; cat synth-registry.log >&2; exit 1; }
if grep -q "Installing validation plugin" synth-registry.log; then
  echo "languages: the CLI did not find the plugin where it installs it" >&2; exit 1
fi
# ...and it refuses a preemption-unsafe manifest: the plugin reports an error.
cat > bad.ts <<'EOF'
import { App, Chart, ApiObject } from 'cdk8s';
const app = new App();
const chart = new Chart(app, 'bad');
new ApiObject(chart, 'job', {
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'bad' },
  spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', nodeSelector: { 'cloud.google.com/gke-spot': 'true' },
    containers: [{ name: 'trainer', image: 'trainer:v1', resources: { limits: { 'nvidia.com/gpu': 1 } } }] } } },
});
app.synth();
EOF
sed -i "s#^app: .*#app: npx ts-node --transpile-only bad.ts#" cdk8s.yaml
if HOME="$ts/home" npx cdk8s synth --output synth-bad >synth-bad.log 2>&1; then
  echo "languages: cdk8s synth passed a spot GPU Job without a preemption policy" >&2; cat synth-bad.log >&2; exit 1
fi
grep -q "preemption-policy" synth-bad.log || { cat synth-bad.log >&2; exit 1; }
step "typescript: cdk8s synth with the plugin, installed and registry forms; a bad Job refused"

# An app on the newest cdk8s-plus installs one copy of it: the library depends on none. (The
# cdk8s CLI, a dev dependency, brings its own cdk8s-plus-33; that one is the CLI's.)
plus_via_library() {
  for dir in $(find node_modules -type d -name 'cdk8s-plus-*' -prune); do
    npm explain "$(node -p "require('./$dir/package.json').name")" 2>/dev/null | grep -q "from cdk8s-training" && echo "$dir"
  done
  return 0
}
[ -z "$(plus_via_library)" ] || { echo "languages: the library brought cdk8s-plus: $(plus_via_library)" >&2; exit 1; }
npm install cdk8s-plus-34@^2.0.54 >>install.log 2>&1 || { cat install.log >&2; exit 1; }
copies=$(find node_modules -type d -name 'cdk8s-plus-34' -prune | tr '\n' ' ')
[ "$copies" = "node_modules/cdk8s-plus-34 " ] && [ -z "$(plus_via_library)" ] \
  || { echo "languages: an app on cdk8s-plus-34 has these copies of it: $copies; via the library: $(plus_via_library)" >&2; exit 1; }
# ...and its claim, Cpu and EnvValue fit the library's props (type-checked, then synthesized).
cat > plus34.ts <<'EOF'
import { App, Chart, Size } from 'cdk8s';
import { Cpu, EnvValue, PersistentVolumeAccessMode, PersistentVolumeClaim } from 'cdk8s-plus-34';
import { CheckpointStorage, SpotScheduling, SpotTolerantTrainingJob } from 'cdk8s-training';
const app = new App();
const chart = new Chart(app, 'plus34');
const claim = new PersistentVolumeClaim(chart, 'claim', {
  metadata: { name: 'ckpt' }, accessModes: [PersistentVolumeAccessMode.READ_WRITE_MANY], storage: Size.tebibytes(1), storageClassName: 'standard-rwx',
});
new SpotTolerantTrainingJob(chart, 'train', {
  name: 'train', image: 'registry.example.com/trainer:v1', command: ['python', 'train.py'], spot: SpotScheduling.gke(),
  checkpoint: { storage: CheckpointStorage.fromClaim(claim) }, cpu: Cpu.units(4), env: { WANDB_MODE: EnvValue.fromValue('offline') },
});
console.log(app.synthYaml());
EOF
npx tsc --noEmit plus34.ts --strict --esModuleInterop --target ES2022 --module commonjs >tsc.log 2>&1 \
  || { echo "languages: cdk8s-plus-34 values do not type-check against the library's props:" >&2; cat tsc.log >&2; exit 1; }
npx ts-node plus34.ts > plus34.yaml
grep -q "claimName: ckpt" plus34.yaml && grep -q 'cpu: "4"' plus34.yaml && grep -q "value: offline" plus34.yaml \
  || { echo "languages: the cdk8s-plus-34 values were not written:" >&2; cat plus34.yaml >&2; exit 1; }
step "typescript: an app on cdk8s-plus-34 has one cdk8s-plus copy; its claim, Cpu and EnvValue type-check and synthesize"
cd "$root"

for language in $languages; do
  case "$language" in
  typescript) ;;
  python)
    py="$work/python" && mkdir -p "$py" && cd "$py"
    readme_block install-python | sed "s# cdk8s-training\$# $wheel#" > install.sh
    bash -euo pipefail install.sh >install.log 2>&1 || { cat install.log >&2; exit 1; }
    step "python: wheel installed with $(.venv/bin/pip list 2>/dev/null | grep -E '^(cdk8s|constructs|jsii) ' | tr -s ' ' | tr '\n' ',')"
    # The wheel depends on no cdk8s-plus: an app brings the one it uses.
    if .venv/bin/pip list 2>/dev/null | grep -E '^cdk8s-plus'; then echo "languages: the wheel brought cdk8s-plus" >&2; exit 1; fi
    # test_claims passes claims of cdk8s-plus-28 and of the newest on PyPI.
    .venv/bin/pip install --quiet pytest xmlschema cdk8s-plus-28==2.5.6 cdk8s-plus-36==2.0.3
    EXPECTED_DIR="$expected" QUICKSTART="$root/examples/quickstart/quickstart.py" \
      .venv/bin/python -m pytest -q -p no:cacheprovider "$root/test/languages/python"
    step "python: pytest passed"
    ;;
  java)
    jv="$work/java" && mkdir -p "$jv/src/main/java/com/example" && cd "$jv"
    sed "s#@DIST_JAVA@#file://$root/dist/java#" "$root/test/languages/java/pom.xml" > pom.xml
    cp "$root/examples/quickstart/QuickStart.java" src/main/java/com/example/
    # Maven keeps what it fetched from a repository in ~/.m2 by version and never fetches the same
    # version again: drop the copies of what dist/java serves so this run uses the new build.
    rm -rf "$HOME/.m2/repository/io/github/cdk8s-training"
    mvn -B -q -Dcdk8s-training.version="$version" compile >build.log 2>&1 || { cat build.log >&2; exit 1; }
    CDK8S_OUTDIR="$jv/out" mvn -B -q -Dcdk8s-training.version="$version" exec:java >run.log 2>&1 || { cat run.log >&2; exit 1; }
    compare java "$jv/out"
    step "java: built and ran against the Maven artifact"
    ;;
  go)
    gd="$work/go" && mkdir -p "$gd" && cd "$gd"
    sed "s#@DIST_GO@#$root/dist/go#g" "$root/test/languages/go/go.mod" > go.mod
    cp "$root/test/languages/go/go.sum" "$root/examples/quickstart/main.go" .
    # The committed go.mod and go.sum decide every version: nothing is resolved afresh.
    go build -mod=readonly -o quickstart . >build.log 2>&1 || { cat build.log >&2; exit 1; }
    CDK8S_OUTDIR="$gd/out" ./quickstart >run.log 2>&1 || { cat run.log >&2; exit 1; }
    compare go "$gd/out"
    step "go: built and ran against the generated module"
    ;;
  *) echo "languages: unknown language '$language' (typescript, python, java, go)" >&2; exit 2 ;;
  esac
  cd "$root"
done

rm -rf "$work"
step "all passed: $languages"
