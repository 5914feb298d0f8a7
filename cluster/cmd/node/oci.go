package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// ociImage writes a folder as a one-layer image in the archive format `docker save` writes
// (manifest.json with the image's name, the config, the layer), which `ctr images import`
// reads. The archive is the same bytes for the same folder: entries sorted, times and owners
// zeroed.
func ociImage(args []string) int {
	flags := flag.NewFlagSet("oci-image", flag.ContinueOnError)
	name := flags.String("name", "", "image reference, e.g. docker.io/library/busybox:1.36.1 (required)")
	rootfs := flags.String("rootfs", "", "folder to make the image's filesystem (required)")
	out := flags.String("out", "", "archive to write (required)")
	var entrypoint, env stringList
	flags.Var(&entrypoint, "entrypoint", "an entrypoint argument (repeatable)")
	flags.Var(&env, "env", "K=V in the image's environment (repeatable)")
	if err := flags.Parse(args); err != nil || *name == "" || *rootfs == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: node oci-image --name REF --rootfs DIR --out FILE [--entrypoint ARG]... [--env K=V]...")
		return 2
	}
	layer, err := layerTar(*rootfs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
		return 1
	}
	layerDigest := sha256.Sum256(layer)
	config, _ := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      time.Unix(0, 0).UTC().Format(time.RFC3339),
		"config":       map[string]any{"Entrypoint": []string(entrypoint), "Env": append([]string{"PATH=/usr/local/bin:/usr/bin:/bin"}, env...)},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(layerDigest[:])}},
	})
	configDigest := sha256.Sum256(config)
	configName := hex.EncodeToString(configDigest[:]) + ".json"
	manifest, _ := json.Marshal([]map[string]any{{"Config": configName, "RepoTags": []string{*name}, "Layers": []string{"layer.tar"}}})
	var archive bytes.Buffer
	w := tar.NewWriter(&archive)
	for _, file := range []struct {
		name string
		data []byte
	}{{"manifest.json", manifest}, {configName, config}, {"layer.tar", layer}} {
		if err := w.WriteHeader(&tar.Header{Name: file.name, Mode: 0o644, Size: int64(len(file.data)), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}); err != nil {
			fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
			return 1
		}
		if _, err := w.Write(file.data); err != nil {
			fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
			return 1
		}
	}
	if err := w.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
		return 1
	}
	if err := os.WriteFile(*out, archive.Bytes(), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
		return 1
	}
	fmt.Printf("oci-image: %s (%d MiB)\n", *name, len(layer)>>20)
	return 0
}

// layerTar is the folder as a tar, paths relative to it, symlinks kept as links.
func layerTar(root string) ([]byte, error) {
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != root {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, path := range paths {
		info, err := os.Lstat(path)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, path)
		link := ""
		if info.Mode()&os.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return nil, err
			}
		}
		header, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return nil, err
		}
		header.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			header.Name += "/"
		}
		header.ModTime, header.AccessTime, header.ChangeTime = time.Unix(0, 0), time.Time{}, time.Time{}
		header.Uid, header.Gid, header.Uname, header.Gname = 0, 0, "", ""
		header.Format = tar.FormatPAX
		if err := w.WriteHeader(header); err != nil {
			return nil, err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			_, err = io.Copy(w, f)
			f.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
