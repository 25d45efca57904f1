// Package e2e runs the built regsync binary against the project's emulator
// over HTTPS, with the real msgraph-sdk-go and azsecrets clients inside the
// binary: exit codes, outputs, convergence under faults, and a scan of every
// output for the secret values the emulator issued.
package e2e
