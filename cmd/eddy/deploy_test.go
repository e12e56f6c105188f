package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eddy-workbench/eddy/internal/compare"
)

// The files this test holds to one another, from the repository root.
const (
	specPath      = "scripts/compare-broadcast.spec"
	localScript   = "scripts/compare-broadcast.sh"
	dockerfile    = "deploy/Dockerfile"
	k8sCompare    = "deploy/kubernetes/compare.yaml"
	k8sMerge      = "deploy/kubernetes/merge.yaml"
	ghWorkflow    = "deploy/github/compare.yml"
	slurmCompare  = "deploy/slurm/compare.sbatch"
	slurmMerge    = "deploy/slurm/merge.sbatch"
	repoRoot      = "../.."
	eddyInImage   = "/eddy/bin/eddy"
	imageWorkdir  = "/eddy"
	imageBinaries = "/eddy/bin/"
)

// repo is the repository's root directory, absolute (the test changes
// directory).
type repo string

func repoDir(t *testing.T) repo {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	return repo(root)
}

func (r repo) path(p string) string { return filepath.Join(string(r), p) }

func (r repo) read(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(r.path(p))
	require.NoError(t, err)
	return string(data)
}

// shardCount reads N out of --shard auto/N in args.
func shardCount(t *testing.T, args []string) int {
	t.Helper()
	i := slices.Index(args, "--shard")
	require.True(t, i >= 0 && i+1 < len(args), "--shard in %q", args)
	n, ok := strings.CutPrefix(args[i+1], "auto/")
	require.True(t, ok, "--shard auto/N, one command line for every shard: %q", args[i+1])
	count, err := strconv.Atoi(n)
	require.NoError(t, err)
	return count
}

// flagValue is the value of --name in args.
func flagValue(t *testing.T, args []string, name string) string {
	t.Helper()
	i := slices.Index(args, name)
	require.True(t, i >= 0 && i+1 < len(args), "%s in %q", name, args)
	return args[i+1]
}

// engine is how one batch engine runs a comparison: the eddy arguments
// (after "eddy compare") and environment of each shard, and the merge's.
type engine struct {
	name   string
	shards [][]string
	envs   []map[string]string
	merge  []string // from "merge" on
	// files are written into the workspace first (a ConfigMap's).
	files map[string]string
}

// k8sObject is what this test reads of a Kubernetes object.
type k8sObject struct {
	Kind     string
	Metadata struct{ Name string }
	Data     map[string]string
	Spec     struct {
		AccessModes    []string `yaml:"accessModes"`
		CompletionMode string   `yaml:"completionMode"`
		Completions    int
		Parallelism    int
		Template       struct {
			Spec struct {
				RestartPolicy string `yaml:"restartPolicy"`
				Containers    []struct {
					Name  string
					Image string
					Args  []string
					Env   []struct {
						Name      string
						ValueFrom struct {
							FieldRef struct {
								FieldPath string `yaml:"fieldPath"`
							} `yaml:"fieldRef"`
						} `yaml:"valueFrom"`
					}
					VolumeMounts []struct {
						Name      string
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
				}
				Volumes []struct {
					Name      string
					ConfigMap *struct {
						Name string
					} `yaml:"configMap"`
					PersistentVolumeClaim *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
				}
			}
		}
	}
}

func readK8s(t *testing.T, r repo, path string) map[string]k8sObject {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(r.read(t, path)))
	objs := map[string]k8sObject{}
	for {
		var o k8sObject
		if err := dec.Decode(&o); err != nil {
			require.ErrorContains(t, err, "EOF")
			break
		}
		require.NotEmpty(t, o.Kind, path)
		objs[o.Kind] = o
	}
	return objs
}

// kubernetes reads the Indexed Job and the merge Job: the mounted paths
// of their arguments become workspace paths, the ConfigMap's files are
// written where the Job mounts them.
func kubernetes(t *testing.T, r repo, specText string) engine {
	objs := readK8s(t, r, k8sCompare)
	cm, pvc, job := objs["ConfigMap"], objs["PersistentVolumeClaim"], objs["Job"]
	assert.Equal(t, specText, cm.Data["broadcast.spec"], "the ConfigMap holds %s exactly", specPath)
	assert.Contains(t, pvc.Spec.AccessModes, "ReadWriteMany", "every pod writes the one volume")
	assert.Equal(t, "Indexed", job.Spec.CompletionMode)
	assert.Equal(t, "Never", job.Spec.Template.Spec.RestartPolicy)
	require.Len(t, job.Spec.Template.Spec.Containers, 1)
	c := job.Spec.Template.Spec.Containers[0]
	require.Equal(t, "compare", c.Args[0])
	n := shardCount(t, c.Args)
	assert.Equal(t, n, job.Spec.Completions, "completions = the shard count")
	assert.Equal(t, n, job.Spec.Parallelism, "parallelism = the shard count")
	require.Len(t, c.Env, 1)
	assert.Equal(t, "JOB_COMPLETION_INDEX", c.Env[0].Name)
	assert.Equal(t, "metadata.annotations['batch.kubernetes.io/job-completion-index']", c.Env[0].ValueFrom.FieldRef.FieldPath)

	files := map[string]string{}
	mounts := map[string]string{} // mount path → what is there
	for _, m := range c.VolumeMounts {
		for _, v := range job.Spec.Template.Spec.Volumes {
			if v.Name != m.Name {
				continue
			}
			switch {
			case v.ConfigMap != nil:
				assert.Equal(t, cm.Metadata.Name, v.ConfigMap.Name)
				for name, text := range cm.Data {
					files[strings.TrimPrefix(filepath.Join(m.MountPath, name), "/")] = text
				}
				mounts[m.MountPath] = "configmap"
			case v.PersistentVolumeClaim != nil:
				assert.Equal(t, pvc.Metadata.Name, v.PersistentVolumeClaim.ClaimName)
				mounts[m.MountPath] = "pvc"
			}
		}
	}
	// Absolute paths in the pod are mounts; the test's workspace holds
	// them at the same place, relative.
	local := func(args []string, index int) []string {
		out := make([]string, len(args))
		for i, a := range args {
			a = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(index))
			if strings.HasPrefix(a, "/") {
				mount := "/" + strings.Split(a, "/")[1]
				require.Contains(t, mounts, mount, "%s is on a mounted volume", a)
				a = strings.TrimPrefix(a, "/")
			}
			out[i] = a
		}
		return out
	}
	e := engine{name: "kubernetes", files: files}
	for k := range n {
		e.shards = append(e.shards, local(c.Args[1:], k))
		e.envs = append(e.envs, map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(k)})
	}
	assert.Equal(t, "pvc", mounts["/"+strings.Split(flagValue(t, c.Args, "--out"), "/")[1]], "the partial results go to the shared volume")

	merge := readK8s(t, r, k8sMerge)["Job"]
	require.Len(t, merge.Spec.Template.Spec.Containers, 1)
	mc := merge.Spec.Template.Spec.Containers[0]
	assert.Equal(t, c.Image, mc.Image)
	require.Equal(t, []string{"compare", "merge"}, mc.Args[:2])
	require.Len(t, merge.Spec.Template.Spec.Volumes, 1)
	assert.Equal(t, pvc.Metadata.Name, merge.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName, "the merge reads the shards' volume")
	e.merge = local(mc.Args[1:], 0)
	return e
}

// ghWorkflowFile is what this test reads of the workflow.
type ghWorkflowFile struct {
	On   map[string]any `yaml:"on"`
	Jobs map[string]struct {
		Needs    any
		If       string
		Strategy struct {
			FailFast *bool `yaml:"fail-fast"`
			Matrix   struct {
				Shard []int
			}
		}
		Steps []struct {
			Name string
			Uses string
			Run  string
			Env  map[string]string
			With map[string]any
		}
	}
}

// github reads the workflow: the shard job's matrix and command line, the
// artifacts carrying the partial results, the merge job.
func github(t *testing.T, r repo) engine {
	var wf ghWorkflowFile
	require.NoError(t, yaml.Unmarshal([]byte(r.read(t, ghWorkflow)), &wf))
	assert.Contains(t, wf.On, "workflow_dispatch")
	shardJob, ok := wf.Jobs["shard"]
	require.True(t, ok, "a job named shard")
	require.NotNil(t, shardJob.Strategy.FailFast)
	assert.False(t, *shardJob.Strategy.FailFast, "one shard's failure does not cancel the others")
	e := engine{name: "github"}
	var run, uploaded string
	var env map[string]string
	built := false
	for _, s := range shardJob.Steps {
		switch {
		case strings.HasPrefix(s.Run, "bin/eddy compare "):
			run, env = s.Run, s.Env
		case strings.Contains(s.Run, "go build") && strings.Contains(s.Run, "./nodes/..."):
			built = true
		case strings.HasPrefix(s.Uses, "actions/upload-artifact@"):
			uploaded = fmt.Sprint(s.With["path"])
		}
	}
	assert.True(t, built, "the shard job builds eddy and the nodes")
	require.NotEmpty(t, run, "the shard job runs bin/eddy compare")
	words, err := compare.SplitWords(strings.ReplaceAll(run, "${{ matrix.shard }}", "K"))
	require.NoError(t, err)
	n := shardCount(t, words)
	var want []int
	for k := range n {
		want = append(want, k)
	}
	assert.Equal(t, want, shardJob.Strategy.Matrix.Shard, "the matrix lists shards 0…N-1 of --shard auto/N")
	assert.Equal(t, "${{ matrix.shard }}", env["EDDY_SHARD_INDEX"], "the index comes from the matrix")
	out := flagValue(t, words, "--out")
	assert.Equal(t, strings.TrimSuffix(uploaded, "/"), filepath.Dir(out), "the partial result is uploaded")
	for _, k := range want {
		words, err := compare.SplitWords(strings.ReplaceAll(run, "${{ matrix.shard }}", strconv.Itoa(k)))
		require.NoError(t, err)
		e.shards = append(e.shards, words[2:])
		e.envs = append(e.envs, map[string]string{"EDDY_SHARD_INDEX": strings.ReplaceAll(env["EDDY_SHARD_INDEX"], "${{ matrix.shard }}", strconv.Itoa(k))})
	}

	mergeJob, ok := wf.Jobs["merge"]
	require.True(t, ok, "a job named merge")
	assert.Equal(t, "shard", mergeJob.Needs)
	assert.Equal(t, "${{ !cancelled() }}", mergeJob.If, "the merge runs even if a shard failed, and names what is missing")
	var downloaded string
	for _, s := range mergeJob.Steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/download-artifact@"):
			downloaded = fmt.Sprint(s.With["path"])
			assert.Equal(t, "eddy-partial-*", s.With["pattern"])
			assert.Equal(t, true, s.With["merge-multiple"])
		case strings.HasPrefix(s.Run, "bin/eddy compare merge "):
			words, err := compare.SplitWords(s.Run)
			require.NoError(t, err)
			e.merge = words[2:]
		}
	}
	assert.Equal(t, strings.TrimSuffix(uploaded, "/"), downloaded, "the partial results are downloaded where they were")
	require.NotEmpty(t, e.merge, "the merge job runs bin/eddy compare merge")
	return e
}

// shellCommand finds the line of a job script that runs eddy, and expands
// the variables given.
func shellCommand(t *testing.T, script, prefix string, vars map[string]string) []string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(script))
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "exec ")
		if !ok || !strings.HasPrefix(line, prefix) {
			continue
		}
		for k, v := range vars {
			line = strings.ReplaceAll(line, "${"+k+"}", v)
		}
		require.NotContains(t, line, "$", "every variable expanded: %s", line)
		words, err := compare.SplitWords(line)
		require.NoError(t, err)
		return words
	}
	t.Fatalf("no line runs %s", prefix)
	return nil
}

// slurm reads the array script and the merge script.
func slurm(t *testing.T, r repo) engine {
	script := r.read(t, slurmCompare)
	m := regexp.MustCompile(`(?m)^#SBATCH --array=(\d+)-(\d+)(?:%\d+)?$`).FindStringSubmatch(script)
	require.NotNil(t, m, "#SBATCH --array=A-B")
	lo, _ := strconv.Atoi(m[1])
	hi, _ := strconv.Atoi(m[2])
	e := engine{name: "slurm"}
	words := shellCommand(t, script, "bin/eddy compare ", map[string]string{"SLURM_ARRAY_TASK_ID": "0"})
	n := shardCount(t, words)
	assert.Equal(t, n, hi-lo+1, "the array has as many tasks as there are shards")
	for id := lo; id <= hi; id++ {
		vars := map[string]string{"SLURM_ARRAY_TASK_ID": strconv.Itoa(id), "SLURM_ARRAY_TASK_MIN": strconv.Itoa(lo),
			"SLURM_ARRAY_TASK_MAX": strconv.Itoa(hi), "SLURM_ARRAY_TASK_COUNT": strconv.Itoa(hi - lo + 1)}
		e.shards = append(e.shards, shellCommand(t, script, "bin/eddy compare ", vars)[2:])
		e.envs = append(e.envs, vars)
	}
	e.merge = shellCommand(t, r.read(t, slurmMerge), "bin/eddy compare merge ", nil)[2:]
	assert.Contains(t, script, "sbatch --dependency=afterany:$jid deploy/slurm/merge.sbatch", "the documented submission")
	return e
}

// TestDeployRunsTheLocalMatrix reads every manifest under deploy/ and runs
// what each engine would run (every shard with the environment the engine
// gives it, then the merge), on the stored results of the broadcast
// comparison: each gives the same runs, verdicts and figures as the local
// command, scripts/compare-broadcast.sh, which reads the same spec file.
func TestDeployRunsTheLocalMatrix(t *testing.T) {
	r := repoDir(t)
	specText := r.read(t, specPath)
	script := r.read(t, localScript)
	assert.Contains(t, script, "--spec "+specPath, "the local command reads the spec file")
	docker := r.read(t, dockerfile)
	for _, want := range []string{"go build -trimpath -o /out/bin/ ./cmd/eddy ./nodes/...", "WORKDIR " + imageWorkdir,
		"COPY --from=build /out/bin/ " + imageBinaries, `ENTRYPOINT ["` + eddyInImage + `"]`} {
		assert.Contains(t, docker, want, "%s builds eddy and every node, and runs eddy from %s", dockerfile, imageWorkdir)
	}

	broadcast := bins.MustBuild(t, "nodes/broadcast")
	engines := []engine{kubernetes(t, r, specText), github(t, r), slurm(t, r)}
	stored := loadStoredRuns(t)

	// A workspace laid out as the repository (and the image): the spec
	// file, and bin/NAME for each binary the spec names.
	ws := t.TempDir()
	write := func(path, text string) {
		require.NoError(t, os.MkdirAll(filepath.Join(ws, filepath.Dir(path)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(ws, path), []byte(text), 0o644))
	}
	write(specPath, specText)
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "bin"), 0o755))
	t.Chdir(ws)
	o := &compareOptions{paramIndex: map[string]int{}}
	require.NoError(t, o.readSpecFile(compareFlags(o), specPath))
	for _, im := range o.spec.Impls {
		name, ok := strings.CutPrefix(im.Bin, "bin/")
		require.True(t, ok, "impl %s: a binary in bin/, which the image and the jobs build", im.Name)
		assert.DirExists(t, r.path(filepath.Join("nodes", name)), "impl %s: nodes/%s, built by every engine", im.Name, name)
		if _, err := os.Lstat(im.Bin); err != nil {
			require.NoError(t, os.Symlink(broadcast, im.Bin), "only the broadcast node is stored")
		}
	}
	groups := o.spec.Groups()

	code, _, stderr := compareFake(t, compareEnv{run: stored.fresh().run}, "--spec", specPath, "--out", "local")
	require.Equal(t, 0, code, stderr)
	local := readReport(t, "local")
	require.Len(t, local.Runs, 40)

	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			for path, text := range e.files {
				write(path, text)
			}
			assert.LessOrEqual(t, len(e.shards), groups, "no more shards than cell × seed groups")
			runs := 0
			for k, args := range e.shards {
				vars := e.envs[k]
				s := stored.fresh()
				code, stdout, stderr := compareFake(t, compareEnv{run: s.run, getenv: func(v string) string { return vars[v] }}, args...)
				require.Equal(t, 0, code, "shard %d\n%s\n%s", k, stdout, stderr)
				assert.Contains(t, stdout, fmt.Sprintf("(shard %d/%d)", k, len(e.shards)))
				runs += s.calls
			}
			assert.Equal(t, len(local.Runs), runs, "every run once")
			var out, errOut bytes.Buffer
			code := compareWith(t.Context(), e.merge, &out, &errOut, compareEnv{now: fixedClock})
			require.Equal(t, 0, code, "merge: %s\n%s", out.String(), errOut.String())
			merged := readReport(t, flagValue(t, e.merge, "--out"))
			sameRuns(t, local, merged)
			assert.Len(t, merged.Partials, len(e.shards))
		})
	}
}
