// Command gen writes errors_gen.go from errors.tsv. It is run by
// `go generate` in internal/jsapi:
//
//	go run ./internal/gen -in errors.tsv -out errors_gen.go
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/natsnet/natsnet/internal/jsapi/internal/errgen"
)

func main() {
	in := flag.String("in", "errors.tsv", "error table to read")
	out := flag.String("out", "errors_gen.go", "Go file to write")
	pkg := flag.String("pkg", "jsapi", "package name of the generated file")
	flag.Parse()

	tsv, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	src, err := errgen.Generate(tsv, *pkg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: %s: %v\n", *in, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
