package warehouses

import (
	"context"
	"errors"
	"strings"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// ReturnGrade maps an inspection grade of the returns module (A as new,
// B light signs of use, C visible wear, D defective or damaged) onto the
// grade stock is kept under: A → new, B and C → refurbished (sellable,
// not as new), D → damaged. The stock grades themselves pass unchanged.
func ReturnGrade(g string) Grade {
	switch strings.ToUpper(strings.TrimSpace(g)) {
	case "A":
		return warehouse.GradeNew
	case "B", "C":
		return warehouse.GradeRefurbished
	case "D":
		return warehouse.GradeDamaged
	}
	return Grade(strings.ToLower(strings.TrimSpace(g)))
}

// ReturnStock lets the returns module restock inspected units: it has
// the shape of that module's stock receiver and calls ReceiveReturn with
// the grade ReturnGrade gives.
type ReturnStock struct{ S *Service }

// ReceiveReturn books qty units of sku, graded g by inspection, for the
// return ref.
func (r ReturnStock) ReceiveReturn(ctx context.Context, warehouseID, sku, g string, qty int, ref string) error {
	_, err := r.S.ReceiveReturn(ctx, warehouseID, sku, ReturnGrade(g), int64(qty), ref)
	if errors.Is(err, problem.ErrNotFound) {
		// The return names the warehouse: an unknown one is the caller's
		// field, not a missing return.
		return problem.Invalid(problem.Field{Field: "warehouse_id", Code: "not_found"})
	}
	return err
}
