// Package processes lists the processes this binary runs: one line per process. Adding a
// process adds its folders (workflows/, activities/, internal/app/, internal/store/, api/) and
// a line here.
package processes

import (
	introduction "talentflow/api/introduction"
	liaison "talentflow/api/liaison"
	subsidy "talentflow/api/subsidy"
	"talentflow/internal/process"
)

// Definitions are every process talentflow runs, in the order the console lists them.
func Definitions() []process.Definition {
	return []process.Definition{
		introduction.Process(),
		subsidy.Process(),
		liaison.PairingRequest(),
		liaison.Process(),
		liaison.Demands(),
	}
}

// Registry is the registry of every process.
func Registry() (*process.Registry, error) { return process.New(Definitions()...) }
