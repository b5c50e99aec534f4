// Package lint holds repository-wide checks that run as tests: rules every godl package
// follows that the compiler and go vet do not enforce.
package lint
