package challenge

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTableNotesWarningsAfterTheTable(t *testing.T) {
	one := 1.0
	seed := uint64(7)
	recs := []Record{
		{Challenge: "3b", Title: "Multi-node broadcast", Engine: "eddy", Date: "2026-12-01T00:00:00Z", Seed: &seed,
			Figures: Figures{Valid: "true", Availability: &one, OK: 10, Count: 10}, Met: true,
			Warnings: []string{"Maelstrom would pass this run, but not every node converged: n1–n4 lack 45 (…)"}},
		{Challenge: "1", Title: "Echo", Engine: "eddy", Date: "2026-12-01T00:00:00Z", Seed: &seed,
			Figures: Figures{Valid: "true", Availability: &one, OK: 5, Count: 5}, Met: true},
	}
	plain := Table(recs[1:])
	assert.NotContains(t, plain, "Warnings")
	assert.Equal(t, 3, strings.Count(plain, "\n"), "a header, a rule and one row:\n%s", plain)

	table := Table(recs)
	rows := strings.Split(strings.TrimSpace(table), "\n")
	require.Len(t, rows, 8, table)
	assert.True(t, strings.HasPrefix(rows[2], "| 1 Echo | true |"), rows[2])
	assert.True(t, strings.HasPrefix(rows[3], "| 3b Multi-node broadcast | true |"), rows[3])
	assert.Contains(t, rows[3], "| met |", "the official verdict stands")
	assert.Equal(t, "", rows[4])
	assert.Equal(t, "Warnings of eddy's own checks (the verdict and targets above are the official ones):", rows[5])
	assert.Equal(t, "", rows[6])
	assert.Equal(t, "- 3b: Maelstrom would pass this run, but not every node converged: n1–n4 lack 45 (…)", rows[7])
}

func TestRecordJSONOmitsNoWarnings(t *testing.T) {
	b, err := json.Marshal(Record{Challenge: "1"})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "warnings", "records without warnings keep the committed format")
	b, err = json.Marshal(Record{Challenge: "1", Warnings: []string{"w"}})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"warnings":["w"]`)
}
