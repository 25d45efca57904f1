// Package examples holds real-world registrations files (FHIR, DICOM) and the
// pipeline templates that run regsync on them; it has no code of its own.
//
// Its tests keep the pipeline templates under pipelines/ honest: every file
// parses as YAML, the GitHub Actions workflows and the Azure DevOps pipeline
// have the jobs and stages the README describes, actions are pinned to a
// version, and no template refers to a stored secret. `make lint-workflows`
// runs these tests together with actionlint.
package examples
