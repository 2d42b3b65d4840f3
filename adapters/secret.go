package adapters

// Secret is an API key. It prints as "***" through fmt, %v, %s and JSON, so
// that it cannot reach a log, an error, a report or a state file by mistake.
// Call Reveal only where the key goes onto the wire.
type Secret struct{ s string }

// NewSecret wraps a key.
func NewSecret(s string) Secret { return Secret{s: s} }

// Reveal returns the key itself.
func (s Secret) Reveal() string { return s.s }

// IsSet reports whether a key was given.
func (s Secret) IsSet() bool { return s.s != "" }

func (s Secret) String() string {
	if s.s == "" {
		return ""
	}
	return "***"
}

// GoString hides the key from %#v too.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON never writes the key.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }
