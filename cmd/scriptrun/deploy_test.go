package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// deployDir holds the Kubernetes manifests (deploy/).
const deployDir = "../../deploy"

// obj is one decoded manifest.
type obj = map[string]any

// at walks m along keys (a string key for a map, an int for a list) and
// returns what is there, or nil.
func at(m any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			mm, ok := m.(obj)
			if !ok {
				return nil
			}
			m = mm[k]
		case int:
			l, ok := m.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			m = l[k]
		}
	}
	return m
}

func str(m any, keys ...any) string { s, _ := at(m, keys...).(string); return s }

func readManifests(t *testing.T, file string) []obj {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deployDir, file))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []obj
	for {
		var o obj
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out = append(out, o)
	}
}

// TestDeploy checks the manifests in deploy/ hang together: kinds and API
// versions, selectors that select the pods, the HPA's and PDB's targets,
// probes on the service's endpoints, GOMEMLIMIT from the container's
// memory limit, serve's arguments (parsed by serve's own flags) matching
// the mounts and ports, a grace period longer than the drain, and example
// scripts and policies that check clean.
func TestDeploy(t *testing.T) {
	t.Parallel()
	kust := readManifests(t, "kustomization.yaml")[0]
	byKind := map[string]obj{}
	var files []string
	for _, r := range at(kust, "resources").([]any) {
		files = append(files, r.(string))
		for _, o := range readManifests(t, r.(string)) {
			byKind[str(o, "kind")] = o
		}
	}
	wantAPI := map[string]string{"Deployment": "apps/v1", "Service": "v1",
		"HorizontalPodAutoscaler": "autoscaling/v2", "PodDisruptionBudget": "policy/v1"}
	for kind, api := range wantAPI {
		o := byKind[kind]
		if o == nil {
			t.Fatalf("no %s among %v", kind, files)
		}
		if got := str(o, "apiVersion"); got != api {
			t.Errorf("%s apiVersion %q, want %q", kind, got, api)
		}
	}
	dep, svc, hpa, pdb := byKind["Deployment"], byKind["Service"], byKind["HorizontalPodAutoscaler"], byKind["PodDisruptionBudget"]
	name := str(dep, "metadata", "name")
	podLabels, _ := at(dep, "spec", "template", "metadata", "labels").(obj)
	selects := func(what string, sel any) {
		m, _ := sel.(obj)
		if len(m) == 0 {
			t.Errorf("%s selects nothing", what)
		}
		for k, v := range m {
			if podLabels[k] != v {
				t.Errorf("%s selects %s=%v, which the pods do not have (%v)", what, k, v, podLabels)
			}
		}
	}
	selects("Deployment", at(dep, "spec", "selector", "matchLabels"))
	selects("Service", at(svc, "spec", "selector"))
	selects("PodDisruptionBudget", at(pdb, "spec", "selector", "matchLabels"))
	if str(hpa, "spec", "scaleTargetRef", "kind") != "Deployment" || str(hpa, "spec", "scaleTargetRef", "name") != name {
		t.Errorf("HPA targets %v, want Deployment %s", at(hpa, "spec", "scaleTargetRef"), name)
	}
	if min, _ := at(hpa, "spec", "minReplicas").(int); min < 2 {
		t.Errorf("HPA minReplicas %d: one replica cannot be disrupted under the PDB", min)
	}

	c := at(dep, "spec", "template", "spec", "containers", 0)
	port, _ := at(c, "ports", 0, "containerPort").(int)
	if str(c, "ports", 0, "name") != str(svc, "spec", "ports", 0, "targetPort") {
		t.Errorf("Service targetPort %q is not the container's port name %q", str(svc, "spec", "ports", 0, "targetPort"), str(c, "ports", 0, "name"))
	}
	for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		if got := str(c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s path %q, want %q", probe, got, path)
		}
		if got := str(c, probe, "httpGet", "port"); got != str(c, "ports", 0, "name") {
			t.Errorf("%s port %q, want the container's", probe, got)
		}
	}
	var memlimit any
	for _, e := range at(c, "env").([]any) {
		if str(e, "name") == "GOMEMLIMIT" {
			memlimit = e
		}
	}
	if str(memlimit, "valueFrom", "resourceFieldRef", "resource") != "limits.memory" {
		t.Errorf("GOMEMLIMIT is not from the container's limits.memory: %v", memlimit)
	}
	if str(c, "resources", "limits", "memory") == "" || str(c, "resources", "requests", "cpu") == "" {
		t.Errorf("the container needs a memory limit (for GOMEMLIMIT) and a CPU request (for the HPA): %v", at(c, "resources"))
	}

	// serve's own flags parse the arguments.
	var args []string
	for _, a := range at(c, "args").([]any) {
		args = append(args, a.(string))
	}
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("args %v, want serve first", args)
	}
	fs := newFlagSet("serve", "", "")
	var f serveFlags
	f.register(fs)
	if pos, _, ok := fs.parse(args[1:], false, io.Discard); !ok || len(pos) != 0 {
		t.Fatalf("serve does not take the args %v", args[1:])
	}
	if _, p, err := net.SplitHostPort(f.addr); err != nil || p != strconv.Itoa(port) {
		t.Errorf("--addr %s does not listen on the container port %d", f.addr, port)
	}
	if !strings.HasPrefix(f.kv, "postgres://") {
		t.Errorf("--kv %q: replicas share a PostgreSQL store", f.kv)
	}
	mounts := map[string]string{}
	for _, m := range at(c, "volumeMounts").([]any) {
		mounts[str(m, "mountPath")] = str(m, "name")
	}
	for flag, dir := range map[string]string{"--scripts": f.scripts, "--policies": f.policies, "--token-file": filepath.Dir(f.tokenFile)} {
		if mounts[dir] == "" {
			t.Errorf("%s %s is not a mounted volume (%v)", flag, dir, mounts)
		}
	}
	volumes := map[string]any{}
	for _, v := range at(dep, "spec", "template", "spec", "volumes").([]any) {
		volumes[str(v, "name")] = v
	}
	generated := map[string][]string{}
	for _, g := range at(kust, "configMapGenerator").([]any) {
		for _, file := range at(g, "files").([]any) {
			generated[str(g, "name")] = append(generated[str(g, "name")], file.(string))
		}
	}
	for _, vol := range []string{mounts[f.scripts], mounts[f.policies]} {
		cm := str(volumes[vol], "configMap", "name")
		if generated[cm] == nil {
			t.Errorf("volume %s: ConfigMap %q is not generated by the kustomization", vol, cm)
		}
	}
	grace, _ := at(dep, "spec", "template", "spec", "terminationGracePeriodSeconds").(int)
	pause, _ := at(c, "lifecycle", "preStop", "sleep", "seconds").(int)
	if need := f.grace + time.Duration(pause)*time.Second; time.Duration(grace)*time.Second <= need {
		t.Errorf("terminationGracePeriodSeconds %d is not above --shutdown-grace %v plus the preStop pause %ds", grace, f.grace, pause)
	}

	// The example scripts and policies the ConfigMaps carry check clean
	// against the CLI's modules.
	checkArgs := []string{}
	for _, files := range generated {
		for _, file := range files {
			path := filepath.Join(deployDir, file)
			if strings.HasSuffix(file, ".yaml") {
				checkArgs = append(checkArgs, "--policy", path)
			} else {
				checkArgs = append(checkArgs, path)
			}
		}
	}
	var stderr bytes.Buffer
	for i := 0; i < len(checkArgs); i++ {
		var one []string
		if checkArgs[i] == "--policy" {
			one, i = checkArgs[i:i+2], i+1
		} else {
			one = checkArgs[i : i+1]
		}
		if code := cmdCheck(one, &stderr); code != exitOK {
			t.Errorf("check %v: exit %d: %s", one, code, stderr.String())
		}
	}
}
