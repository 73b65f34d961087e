package conformance

// Differences that do not fail the suite. Every entry names where it applies
// as a glob ('*' matches any run of characters) over
// "<scenario>/<step>/<path>", and says why.

// intentionalDiffs are known, named, intentional differences, accepted in
// every run.
var intentionalDiffs = []allowed{
	{"*/json.api.level", "api_level: natsnet advertises the API level it fully implements, not the reference's"},
	{"stream.create/bad_json/array/json.error.description",
		"the JSON decoder names the Go type it decodes into (server.StreamConfigRequest vs jsapi.StreamConfigRequest)"},
}

// pending is one natsnet bug found by this suite and reported, with every
// place it shows.
type pending struct {
	reason string
	where  []string
}

// bug is the reason prefix of every pending difference.
const bug = "natsnet bug, reported: "

// pendingDiffs are known-but-unfixed differences: natsnet bugs, reported.
// They are logged instead of failing so that CI stays green until they are
// fixed; CONFORMANCE_STRICT=1 makes them fail. A place that no longer
// differs fails its scenario: remove it (and the entry once it is empty).
var pendingDiffs = []pending{}

// at lists "<scenario>/<step>/<path>" for each path.
func at(scenario, step string, paths ...string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = scenario + "/" + step + "/" + p
	}
	return out
}

func places(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
