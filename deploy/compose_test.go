// Package deploy holds what docker-compose.yml (at the repository root) mounts, and the tests
// that keep the compose file in step with go.mod and with .env.example.
package deploy

import (
	"bufio"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"gopkg.in/yaml.v3"
)

const (
	composePath    = "../docker-compose.yml"
	envExamplePath = "../.env.example"
	goModPath      = "../go.mod"
)

// imageModules maps each official Temporal image to the Go module whose version it must carry:
// the server talentflow embeds in dev mode and the Web UI it serves there.
var imageModules = map[string]string{
	"temporalio/server":      "go.temporal.io/server",
	"temporalio/admin-tools": "go.temporal.io/server",
	"temporalio/ui":          "github.com/temporalio/ui-server/v2",
}

type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string               `yaml:"image"`
	Build       any                  `yaml:"build"`
	Command     []string             `yaml:"command"`
	Environment map[string]string    `yaml:"environment"`
	DependsOn   map[string]condition `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Volumes []string `yaml:"volumes"`
}

type condition struct {
	Condition string `yaml:"condition"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", composePath, err)
	}
	return f
}

// imageRef splits "repo:tag" (a registry port or a digest does not fool it).
func imageRef(image string) (repo, tag string) {
	image, _, _ = strings.Cut(image, "@")
	slash := strings.LastIndex(image, "/")
	if colon := strings.LastIndex(image, ":"); colon > slash {
		return image[:colon], image[colon+1:]
	}
	return image, ""
}

// moduleVersion is the version go.mod pins for path, after any replace directive.
func moduleVersion(t *testing.T, mod *modfile.File, path string) string {
	t.Helper()
	version := ""
	for _, r := range mod.Require {
		if r.Mod.Path == path {
			version = r.Mod.Version
		}
	}
	for _, r := range mod.Replace {
		if r.Old.Path == path && r.New.Version != "" {
			version = r.New.Version
		}
	}
	if version == "" {
		t.Fatalf("go.mod does not require %s", path)
	}
	return version
}

func TestOfficialTemporalImagesCarryTheVersionsPinnedInGoMod(t *testing.T) {
	data, err := os.ReadFile(goModPath)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.Parse(goModPath, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for name, s := range loadCompose(t).Services {
		repo, tag := imageRef(s.Image)
		if !strings.HasPrefix(repo, "temporalio/") {
			continue
		}
		if strings.Contains(s.Image, "$") {
			t.Errorf("service %s: image %s takes its tag from a variable; write the pinned version out", name, s.Image)
			continue
		}
		module, ok := imageModules[repo]
		if !ok {
			t.Errorf("service %s runs %s, which no go.mod version governs: add it to imageModules", name, s.Image)
			continue
		}
		seen[repo] = true
		want := strings.TrimPrefix(moduleVersion(t, mod, module), "v")
		if tag != want {
			t.Errorf("service %s runs %s, but go.mod pins %s %s: bump both together (image tag %s)",
				name, s.Image, module, "v"+want, want)
		}
	}
	for _, repo := range []string{"temporalio/server", "temporalio/ui"} {
		if !seen[repo] {
			t.Errorf("no service runs the official %s image", repo)
		}
	}
}

// role tells talentflow's one-shot and long-running services apart by their command.
func role(s service) string {
	switch {
	case strings.HasPrefix(s.Image, "temporalio/server:"):
		return "temporal"
	case len(s.Command) == 0:
		return ""
	case s.Command[0] == "migrate" && slices.Contains(s.Command, "--temporal-schema-only"):
		return "temporal-schema"
	default:
		return s.Command[0]
	}
}

// waitsFor reports whether from starts only after to reached the condition, directly or through
// services that themselves wait for it.
func waitsFor(services map[string]service, from, to, cond string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(name string) bool {
		if seen[name] {
			return false
		}
		seen[name] = true
		for dep, c := range services[name].DependsOn {
			if (dep == to && c.Condition == cond) || (c.Condition != "" && walk(dep)) {
				return true
			}
		}
		return false
	}
	return walk(from)
}

func TestComposeRunsTheProductionTopology(t *testing.T) {
	f := loadCompose(t)
	byRole := map[string][]string{}
	for name, s := range f.Services {
		byRole[role(s)] = append(byRole[role(s)], name)
	}
	for _, names := range byRole {
		slices.Sort(names)
	}
	// Two or more of each long-running process, so that losing one loses nothing; one of each
	// one-shot step.
	for r, want := range map[string]int{"temporal": 2, "api": 2, "worker": 2, "migrate": 1, "temporal-schema": 1} {
		if got := len(byRole[r]); got < want || (want == 1 && got != 1) {
			t.Errorf("%d %s services %v, want %d", got, r, byRole[r], want)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	migrate, schema := byRole["migrate"][0], byRole["temporal-schema"][0]

	t.Run("the Temporal servers form one cluster on the schema set up before them", func(t *testing.T) {
		first := f.Services[byRole["temporal"][0]].Environment
		for _, name := range byRole["temporal"] {
			env := f.Services[name].Environment
			if !maps.Equal(env, first) {
				t.Errorf("%s is configured unlike %s: the nodes of one cluster share one configuration", name, byRole["temporal"][0])
			}
			if env["NUM_HISTORY_SHARDS"] != "512" {
				t.Errorf("%s: NUM_HISTORY_SHARDS = %q, want 512 (fixed when the cluster is created)", name, env["NUM_HISTORY_SHARDS"])
			}
			if !waitsFor(f.Services, name, schema, "service_completed_successfully") {
				t.Errorf("%s may start before %s has set up Temporal's schemas", name, schema)
			}
			if !waitsFor(f.Services, migrate, name, "service_healthy") {
				t.Errorf("%s may run before %s is healthy", migrate, name)
			}
		}
		if f.Services[schema].Build == nil {
			t.Errorf("%s should run the talentflow image (migrate --temporal-schema-only), not an admin-tools image", schema)
		}
	})

	t.Run("API nodes and workers start after migrate succeeded", func(t *testing.T) {
		for _, name := range append(slices.Clone(byRole["api"]), byRole["worker"]...) {
			if c := f.Services[name].DependsOn[migrate].Condition; c != "service_completed_successfully" {
				t.Errorf("%s depends on %s with condition %q, want service_completed_successfully", name, migrate, c)
			}
		}
	})

	t.Run("every API node signs tokens with the one secret from .env", func(t *testing.T) {
		want := f.Services[byRole["api"][0]].Environment["TALENTFLOW_TOKEN_SECRET"]
		if !strings.HasPrefix(want, "${TALENTFLOW_TOKEN_SECRET:?") {
			t.Errorf("TALENTFLOW_TOKEN_SECRET = %q, want a required variable from .env", want)
		}
		for _, name := range byRole["api"] {
			if got := f.Services[name].Environment["TALENTFLOW_TOKEN_SECRET"]; got != want {
				t.Errorf("%s: TALENTFLOW_TOKEN_SECRET = %q, want %q like the other nodes", name, got, want)
			}
		}
	})

	t.Run("long-running services have healthchecks, the API's on /readyz", func(t *testing.T) {
		long := append(append(slices.Clone(byRole["api"]), byRole["worker"]...), byRole["temporal"]...)
		for _, name := range append(long, "postgresql") {
			if h := f.Services[name].Healthcheck; h == nil || len(h.Test) == 0 {
				t.Errorf("%s has no healthcheck", name)
			}
		}
		for _, name := range byRole["api"] {
			if h := f.Services[name].Healthcheck; h != nil && !strings.Contains(strings.Join(h.Test, " "), "/readyz") {
				t.Errorf("%s: healthcheck %v does not ask /readyz", name, h.Test)
			}
		}
	})

	t.Run("PostgreSQL keeps its data in a named volume", func(t *testing.T) {
		ok := false
		for _, v := range f.Services["postgresql"].Volumes {
			source, target, _ := strings.Cut(v, ":")
			_, declared := f.Volumes[source]
			ok = ok || (declared && strings.HasPrefix(target, "/var/lib/postgresql/data"))
		}
		if !ok {
			t.Errorf("postgresql volumes %v: none is a named volume on /var/lib/postgresql/data", f.Services["postgresql"].Volumes)
		}
	})

	t.Run("every file mounted from the repository exists", func(t *testing.T) {
		for name, s := range f.Services {
			for _, v := range s.Volumes {
				if source, _, _ := strings.Cut(v, ":"); strings.HasPrefix(source, "./") {
					if _, err := os.Stat("../" + source); err != nil {
						t.Errorf("%s mounts %s: %v", name, source, err)
					}
				}
			}
		}
	})
}

// envEntry is one variable of .env.example: its value and whether a comment documents it (a
// comment line above it in the same paragraph).
type envEntry struct {
	value      string
	documented bool
}

func loadEnvExample(t *testing.T) map[string]envEntry {
	t.Helper()
	file, err := os.Open(envExamplePath)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	entries := map[string]envEntry{}
	commented := false
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		switch {
		case line == "":
			commented = false
		case strings.HasPrefix(line, "#"):
			commented = true
		default:
			name, value, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("%s: %q is neither a comment nor NAME=value", envExamplePath, line)
				continue
			}
			entries[name] = envEntry{value: value, documented: commented}
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return entries
}

var composeVariable = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?`)

func TestEnvExampleDocumentsEveryComposeVariable(t *testing.T) {
	data, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatal(err)
	}
	example := loadEnvExample(t)
	used := map[string]bool{"COMPOSE_PROJECT_NAME": true} // read by compose itself
	text := strings.ReplaceAll(string(data), "$$", "")    // $$ escapes a dollar for the container
	for _, m := range composeVariable.FindAllStringSubmatch(text, -1) {
		name, required := m[1], strings.HasSuffix(m[2], "?")
		used[name] = true
		entry, ok := example[name]
		switch {
		case !ok:
			t.Errorf("docker-compose.yml reads ${%s}, which .env.example does not list", name)
		case !entry.documented:
			t.Errorf(".env.example lists %s without a comment saying what it is", name)
		case required && entry.value != "":
			t.Errorf(".env.example sets the required %s: leave it empty so that an unedited copy refuses to start", name)
		}
	}
	for name := range example {
		if !used[name] {
			t.Errorf(".env.example lists %s, which docker-compose.yml does not read", name)
		}
	}
}
