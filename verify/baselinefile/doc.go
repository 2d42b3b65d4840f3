// Package baselinefile reads and writes vecmig baseline files: what
// `vecmig baseline capture` records of a collection so that a restore can
// later be verified without the source.
//
// Layout. Eight magic bytes "VECMIGBL" and a big-endian uint16 format
// version are stored uncompressed, so that a newer file is refused before
// anything else is read. A gzip stream follows, holding records that each
// start with a tag byte:
//
//	'H' uvarint n, n bytes   the Header as JSON (definition, counts, seed)
//	'P' uvarint n, n bytes   the start of a partition's fingerprints (its name)
//	1..16  delta, 8 bytes    a UUID id: the tag is the length of the
//	                         big-endian difference to the previous UUID of
//	                         the partition (the first: to the zero UUID),
//	                         then the vector and payload sums (uint32 LE)
//	0x20 uvarint, 8 bytes    an integer id: the difference to the previous
//	                         integer id (the first: the id), then the sums
//	'E' uvarint n            the end of a partition: n fingerprints
//	'S' uvarint n, n bytes   one kept point (binary, see point.go)
//	'Q' uvarint n, n bytes   the probe queries and their exact top-k (JSON)
//	'Z' 32 bytes             SHA-256 of every uncompressed byte before the
//	                         sum (the 'Z' included)
//
// Fingerprints come in id order (the order every Source reads in), so a
// writer and a reader hold one record at a time: memory does not grow with
// the collection. Random UUIDs cost 1+14+8 = 23 bytes per point (the
// delta of 1M sorted random UUIDs is about 2^108), dense integer ids
// about 10.
package baselinefile
