package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

// apiKey is the API key of one side, from its flag, environment variable
// or key file (checkAPIKeyFlags has read the file into the flag).
func apiKey(c *cli.Context, keyFlag string) adapters.Secret {
	return adapters.NewSecret(c.String(keyFlag))
}

// keyFileFlag is the flag naming the file that holds keyFlag's key.
func keyFileFlag(keyFlag string) string { return keyFlag + "-file" }

// checkAPIKeyFlags reads every key file the command was given into its key
// flag, so that everything reading the key (the connection, warnPlainKey,
// the resume hint) sees one key whatever its origin. It refuses a side
// given both a key and a key file, and a key file that cannot be read or
// holds no key: the command stops before it opens anything.
func checkAPIKeyFlags(c *cli.Context) error {
	for _, keyFlag := range []string{"api-key", "from-api-key", "to-api-key"} {
		fileFlag := keyFileFlag(keyFlag)
		path := c.String(fileFlag)
		if path == "" {
			continue
		}
		if c.String(keyFlag) != "" {
			return fmt.Errorf("--%s and --%s are both given (by flag or environment variable); keep one", keyFlag, fileFlag)
		}
		key, err := readKeyFile(path)
		if err != nil {
			return fmt.Errorf("--%s: %w", fileFlag, err)
		}
		if err := c.Set(keyFlag, key); err != nil {
			return fmt.Errorf("--%s: %w", fileFlag, err)
		}
	}
	return nil
}

// readKeyFile returns the key in path without surrounding whitespace (an
// editor's final newline). Its errors never quote the file's content.
func readKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the API key file %s: %v; check the path and its permissions", path, unwrapPathError(err))
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("the API key file %s is empty; write the key into it", path)
	}
	return key, nil
}

// unwrapPathError drops the path an *os.PathError repeats.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
