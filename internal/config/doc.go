// Package config loads, defaults, validates and prints Watchkeeper's YAML
// configuration.
//
// It sits at the very start of both pipelines: cmd loads a Config once,
// validates it and hands typed sections to each component. Loading is strict
// (unknown keys are errors), expands ${ENV} references in string values,
// reads *File variants for mounted secrets, and reports every problem at once,
// each naming its key, so a bad config fails at start-up and never at send
// time.
package config
