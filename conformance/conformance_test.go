package conformance

import (
	"strings"
	"testing"
)

// allScenarios is every scenario of the suite.
func allScenarios() []scenario {
	var out []scenario
	for _, group := range [][]scenario{streamScenarios, directScenarios, publishScenarios, consumerScenarios} {
		out = append(out, group...)
	}
	return out
}

// TestConformance runs every scenario against the reference nats-server and
// natsnet and compares the normalised responses.
func TestConformance(t *testing.T) {
	for _, sc := range allScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			runDifferential(t, &sc)
		})
	}
}

// TestScenarioTable checks the suite itself: enough scenarios, unique names,
// and allowlist entries that name existing scenarios and give a reason.
func TestScenarioTable(t *testing.T) {
	all := allScenarios()
	if len(all) < 40 {
		t.Errorf("%d scenarios, want at least 40", len(all))
	}
	names := map[string]bool{}
	for _, sc := range all {
		if names[sc.name] {
			t.Errorf("duplicate scenario name %q", sc.name)
		}
		names[sc.name] = true
		for _, a := range sc.allow {
			if strings.TrimSpace(a.reason) == "" {
				t.Errorf("scenario %s: allowlist entry %q has no reason", sc.name, a.path)
			}
		}
	}
	for a := range names {
		for b := range names {
			if strings.HasPrefix(b, a+"/") {
				t.Errorf("scenario name %q is a prefix of %q: allowlist places would be ambiguous", a, b)
			}
		}
	}
	for _, a := range intentionalDiffs {
		if strings.TrimSpace(a.reason) == "" {
			t.Errorf("intentionalDiffs entry %q has no reason", a.path)
		}
	}
	for _, p := range pendingDiffs {
		if !strings.HasPrefix(p.reason, bug) || len(p.reason) == len(bug) {
			t.Errorf("pendingDiffs entry %q: reason must start with %q and say what differs", p.reason, bug)
		}
		if len(p.where) == 0 {
			t.Errorf("pendingDiffs entry %q lists no place: remove it", p.reason)
		}
		for _, w := range p.where {
			if !knownScenarioPrefix(names, w) {
				t.Errorf("pendingDiffs place %q does not start with a scenario name", w)
			}
		}
	}
}

func knownScenarioPrefix(names map[string]bool, place string) bool {
	for n := range names {
		if strings.HasPrefix(place, n+"/") {
			return true
		}
	}
	return false
}

// TestConformanceFileStorage runs every scenario that creates memory
// streams again with file streams: the file store must answer exactly as
// the reference's does.
func TestConformanceFileStorage(t *testing.T) {
	for _, sc := range allScenarios() {
		file, ok := withFileStorage(sc)
		if !ok {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			runDifferential(t, &file)
		})
	}
}

// withFileStorage returns sc with its memory streams made file streams,
// and whether it had any.
func withFileStorage(sc scenario) (scenario, bool) {
	const mem, file = `"storage":"memory"`, `"storage":"file"`
	steps := make([]step, len(sc.steps))
	found := false
	for i, st := range sc.steps {
		if strings.Contains(st.body, mem) {
			st.body = strings.ReplaceAll(st.body, mem, file)
			found = true
		}
		steps[i] = st
	}
	sc.steps = steps
	return sc, found
}
