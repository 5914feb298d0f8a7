#!/usr/bin/env python3
"""Reference trainer: the trainer's half of the cdk8s-training preemption contract.

Standard library only. The "model" is a tiny linear fit (y = 3x + 1, by gradient descent),
so the code that matters stays readable:

* reads CHECKPOINT_DIR, CHECKPOINT_INTERVAL_EPOCHS (or CHECKPOINT_INTERVAL_SECONDS, a
  regular checkpoint after the step that reaches that much training time since the last),
  PREEMPTION_EXIT_CODE and CONFIG_ERROR_EXIT_CODE from the environment the constructs set;
* resumes from the newest complete checkpoint, never from a partial one;
* writes checkpoints atomically: temp file, fsync, rename, fsync of the directory;
* on SIGTERM finishes the current step, writes an emergency checkpoint and exits with
  PREEMPTION_EXIT_CODE (non-zero: exit 0 would mark the Job Succeeded with an unfinished model);
* exits with CONFIG_ERROR_EXIT_CODE on bad configuration, and 0 only when training is complete.

Usage: trainer.py --epochs N [--steps-per-epoch N] [--step-seconds S]
"""

import argparse
import hashlib
import json
import os
import signal
import sys
import time

CHECKPOINT_PREFIX = "ckpt-"
CHECKPOINT_SUFFIX = ".json"
KEEP_CHECKPOINTS = 3


def log(message):
    print(message, flush=True)


class ConfigError(Exception):
    """Bad configuration: retrying cannot help, so the Job should fail at once."""


def env_int(name, default, minimum):
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number")
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def read_config(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--steps-per-epoch", type=int, default=10)
    parser.add_argument("--step-seconds", type=float, default=0.01)
    args = parser.parse_args(argv)  # exits 2 on bad arguments, like CONFIG_ERROR_EXIT_CODE
    if args.epochs < 1 or args.steps_per_epoch < 1 or args.step_seconds < 0:
        raise ConfigError("--epochs and --steps-per-epoch must be at least 1, --step-seconds at least 0")
    checkpoint_dir = os.environ.get("CHECKPOINT_DIR")
    if not checkpoint_dir:
        raise ConfigError("CHECKPOINT_DIR is not set: mount checkpoint storage")
    if not os.path.isdir(checkpoint_dir) or not os.access(checkpoint_dir, os.W_OK):
        raise ConfigError(f"CHECKPOINT_DIR={checkpoint_dir} is not a writable directory")
    return {
        "epochs": args.epochs,
        "steps_per_epoch": args.steps_per_epoch,
        "step_seconds": args.step_seconds,
        "checkpoint_dir": checkpoint_dir,
        "interval_epochs": env_int("CHECKPOINT_INTERVAL_EPOCHS", 1, 1),
        # Time-based instead of epochs when set (CheckpointInterval in the constructs).
        "interval_seconds": env_int("CHECKPOINT_INTERVAL_SECONDS", 0, 1) if os.environ.get("CHECKPOINT_INTERVAL_SECONDS") else None,
        "preemption_exit_code": env_int("PREEMPTION_EXIT_CODE", 143, 1),
        # Test hook: pause between writing the temp file and renaming it.
        "slow_write_seconds": float(os.environ.get("TRAINER_SLOW_WRITE_SECONDS", "0")),
    }


def digest(state):
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def checkpoint_name(state):
    return f"{CHECKPOINT_PREFIX}{state['epoch']:06d}-{state['step']:06d}{CHECKPOINT_SUFFIX}"


def save_checkpoint(config, state, reason):
    """Atomic write: a reader sees the old set of checkpoints or the new one, never half a file."""
    directory = config["checkpoint_dir"]
    final = os.path.join(directory, checkpoint_name(state))
    temp = os.path.join(directory, f".tmp-{os.getpid()}-{checkpoint_name(state)}")
    with open(temp, "w") as handle:
        json.dump({"state": state, "sha256": digest(state)}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    log(f"checkpoint-write-started {os.path.basename(final)}")
    if config["slow_write_seconds"] > 0:
        time.sleep(config["slow_write_seconds"])
    os.rename(temp, final)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    log(f"checkpoint epoch={state['epoch']} step={state['step']} reason={reason}")
    for old in sorted(list_checkpoints(directory))[:-KEEP_CHECKPOINTS]:
        os.remove(os.path.join(directory, old))


def list_checkpoints(directory):
    return [name for name in os.listdir(directory)
            if name.startswith(CHECKPOINT_PREFIX) and name.endswith(CHECKPOINT_SUFFIX)]


def load_newest_checkpoint(directory):
    """The newest checkpoint that reads back whole; temp files and damaged files are skipped."""
    for name in sorted(list_checkpoints(directory), reverse=True):
        try:
            with open(os.path.join(directory, name)) as handle:
                saved = json.load(handle)
            if saved.get("sha256") == digest(saved["state"]):
                return saved["state"]
            log(f"skipping damaged checkpoint {name}")
        except (OSError, ValueError, KeyError):
            log(f"skipping unreadable checkpoint {name}")
    return None


def train_step(state, rng_x):
    """One gradient-descent step of the linear fit y = 3x + 1."""
    x = rng_x
    error = state["w"] * x + state["b"] - (3.0 * x + 1.0)
    state["w"] -= 0.05 * error * x
    state["b"] -= 0.05 * error


def main(argv):
    try:
        config = read_config(argv)
    except ConfigError as error:
        log(f"configuration error: {error}")
        return int(os.environ.get("CONFIG_ERROR_EXIT_CODE", "2"))

    terminating = {"flag": False}

    def on_sigterm(_signum, _frame):
        # Only set a flag: the step in progress finishes, then the loop saves and exits.
        terminating["flag"] = True

    signal.signal(signal.SIGTERM, on_sigterm)

    # A temp file left by a process killed mid-write is never a checkpoint: remove it.
    for name in os.listdir(config["checkpoint_dir"]):
        if name.startswith(".tmp-"):
            os.remove(os.path.join(config["checkpoint_dir"], name))
            log(f"removed partial checkpoint {name}")

    state = load_newest_checkpoint(config["checkpoint_dir"])
    if state is None:
        state = {"epoch": 0, "step": 0, "w": 0.0, "b": 0.0}
        log("starting from scratch")
    else:
        log(f"resumed epoch={state['epoch']} step={state['step']}")

    last_save = time.monotonic()
    while state["epoch"] < config["epochs"]:
        while state["step"] < config["steps_per_epoch"]:
            time.sleep(config["step_seconds"])
            train_step(state, ((state["epoch"] * config["steps_per_epoch"] + state["step"]) % 7) / 7.0)
            state["step"] += 1
            log(f"progress epoch={state['epoch']} step={state['step']}")
            if terminating["flag"]:
                save_checkpoint(config, state, "sigterm")
                log(f"exiting with {config['preemption_exit_code']} after the emergency checkpoint")
                return config["preemption_exit_code"]
            if config["interval_seconds"] is not None and time.monotonic() - last_save >= config["interval_seconds"] \
                    and state["step"] < config["steps_per_epoch"]:
                save_checkpoint(config, state, "interval")
                last_save = time.monotonic()
        state["epoch"] += 1
        state["step"] = 0
        by_epoch = config["interval_seconds"] is None and state["epoch"] % config["interval_epochs"] == 0
        by_time = config["interval_seconds"] is not None and time.monotonic() - last_save >= config["interval_seconds"]
        if by_epoch or by_time or state["epoch"] == config["epochs"]:
            save_checkpoint(config, state, "interval")
            last_save = time.monotonic()

    log(f"training complete: w={state['w']:.3f} b={state['b']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
