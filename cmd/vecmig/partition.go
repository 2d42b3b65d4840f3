package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/migrate"
	"github.com/vecmig/vecmig/verify"
)

// partitionEnv lets a Kubernetes Indexed Job give the share through the
// environment (deploy/k8s).
const partitionEnv = "VECMIG_PARTITION"

func migratePartitionFlag() cli.Flag {
	return &cli.StringFlag{Name: "partition", EnvVars: []string{partitionEnv}, Usage: "copy only share `i/N` (i from 0 to N-1) of the collection, so that N runs, on N machines, together copy everything once: whole partitions when there are at least N, else one id range of each; needs --on-exists append (see Scale-out)"}
}

func verifyPartitionFlag() cli.Flag {
	return &cli.StringFlag{Name: "partition", Usage: "verify only share `i/N`, the part 'vecmig migrate --partition i/N' copies (without it: the whole collection)"}
}

// readPartition checks --partition against the other flags of a
// migration: N runs create the target at once, so each must append.
func readPartition(c *cli.Context, method string, onExists adapters.OnExists) (verify.Share, error) {
	s := c.String("partition")
	if s == "" {
		return verify.Share{}, nil
	}
	share, err := verify.ParseShare(s)
	if err != nil || share.Whole() {
		return share, err
	}
	if method != migrate.MethodLive {
		return share, fmt.Errorf("--partition %s works with --method live only (a %s copies the whole collection at once)", share, method)
	}
	if onExists != adapters.ExistsAppend {
		return share, fmt.Errorf("--partition %s needs --on-exists append: the %d runs create the target at the same time, and each must accept the one a sibling made (with %s a run would refuse it or delete the others' work)", share, share.Of, onExists)
	}
	return share, nil
}

// readVerifyPartition reads verify's --partition.
func readVerifyPartition(c *cli.Context) (verify.Share, error) {
	if s := c.String("partition"); s != "" {
		return verify.ParseShare(s)
	}
	return verify.Share{}, nil
}

// shareStateSuffix keeps the default state files of the N shares apart
// when they run in one directory.
func shareStateSuffix(s verify.Share) string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("-part%dof%d", s.Index, s.Of)
}
