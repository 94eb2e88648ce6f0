package identity

import (
	"slices"
	"strings"
	"testing"
)

func TestRolePermissions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		role     Role
		has      []string
		lacks    []string
		platform bool
	}{
		{PlatformAdmin, []string{PermTenantsManage, PermUsersManage, PermPlatformDataWrite}, []string{PermAuditRead, PermSecurityManage, PermSessionsManage}, true},
		{SecurityAdmin, []string{PermSecurityManage, PermSessionsManage, PermAPIKeysManage}, []string{PermAuditRead, PermUsersManage, PermTenantsManage}, true},
		{Auditor, []string{PermAuditRead, PermMe}, []string{PermUsersManage, PermTenantsManage, PermSecurityManage, PermDataRead}, true},
		{ComplianceOfficer, []string{PermComplianceRules, PermComplianceRead}, []string{PermAuditRead, PermUsersManage}, true},
		{CSAgent, []string{PermSupportWrite}, []string{PermAuditRead, PermDataWrite}, true},
		{RiskOfficer, []string{PermRiskWrite}, []string{PermAuditRead, PermDataWrite}, true},
		{TenantOwner, []string{PermSettlementWrite, PermUsersManage, PermDataWrite, PermDataRead}, []string{PermAuditRead, PermTenantsManage, PermSecurityManage}, false},
		{TenantAdmin, []string{PermUsersManage, PermAPIKeysManage, PermSettlementRead, PermDataWrite}, []string{PermSettlementWrite, PermAuditRead}, false},
		{Operator, []string{PermDataWrite, PermDataRead, PermLogisticsWrite}, []string{PermUsersManage, PermSettlementRead, PermAPIKeysManage}, false},
		{Viewer, []string{PermDataRead, PermMe, PermTenantRead}, []string{PermDataWrite, PermUsersRead, PermSettlementRead}, false},
		{Finance, []string{PermSettlementRead, PermSettlementWrite}, []string{PermDataRead, PermDataWrite, PermUsersRead, PermComplianceRead}, false},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			if !tc.role.Valid() || tc.role.Platform() != tc.platform {
				t.Errorf("Valid %v Platform %v", tc.role.Valid(), tc.role.Platform())
			}
			for _, p := range tc.has {
				if !tc.role.Can(p) {
					t.Errorf("lacks %s", p)
				}
			}
			for _, p := range tc.lacks {
				if tc.role.Can(p) {
					t.Errorf("holds %s", p)
				}
			}
			if !tc.role.Can(PermMe) {
				t.Error("cannot see itself")
			}
			if tc.role.MFARequired() != tc.platform {
				t.Errorf("MFARequired = %v", tc.role.MFARequired())
			}
			ps := tc.role.Permissions()
			if !slices.IsSorted(ps) {
				t.Errorf("Permissions not sorted: %v", ps)
			}
		})
	}
	if Role("root").Valid() || Role("").Can(PermMe) || Role("root").Can(PermMe) {
		t.Error("unknown roles hold something")
	}
	if len(Roles()) != 11 {
		t.Errorf("%d roles", len(Roles()))
	}
}

// TestTenantHierarchy: each rung holds everything below it, and more.
func TestTenantHierarchy(t *testing.T) {
	t.Parallel()
	ladder := []Role{TenantOwner, TenantAdmin, Operator, Viewer}
	for i := 0; i+1 < len(ladder); i++ {
		hi, lo := ladder[i], ladder[i+1]
		t.Run(string(hi)+">"+string(lo), func(t *testing.T) {
			for _, p := range lo.Permissions() {
				if !hi.Can(p) {
					t.Errorf("%s lacks %s of %s", hi, p, lo)
				}
			}
			if len(hi.Permissions()) <= len(lo.Permissions()) {
				t.Errorf("%s holds nothing more than %s", hi, lo)
			}
		})
	}
	// Finance: settlement only (plus seeing itself and its tenant).
	for _, p := range Finance.Permissions() {
		if p != PermMe && p != PermTenantRead && !strings.HasPrefix(p, "settlement.") {
			t.Errorf("finance holds %s", p)
		}
	}
}

// TestSeparatedDuties: the administrator cannot read the audit trail, the
// auditor can only read.
func TestSeparatedDuties(t *testing.T) {
	t.Parallel()
	if PlatformAdmin.Can(PermAuditRead) {
		t.Error("platform_admin reads the audit trail")
	}
	if !Auditor.Can(PermAuditRead) {
		t.Error("auditor cannot read the audit trail")
	}
	for _, p := range Auditor.Permissions() {
		// "me" is the auditor's own account (password, second factor,
		// sessions), not a change to anything audited.
		if p != PermMe && !strings.HasSuffix(p, ".read") {
			t.Errorf("auditor holds %s, which is not read-only", p)
		}
	}
	for _, r := range Roles() {
		if r.Duty() != (r == PlatformAdmin || r == SecurityAdmin || r == Auditor) {
			t.Errorf("%s.Duty() = %v", r, r.Duty())
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"Alice@Example.com", "alice@example.com"},
		{"alice+audit@example.com", "ALICE@example.com"},
		{" alice+x+y@example.com ", "alice@EXAMPLE.com"},
	} {
		if personKey(tc.a) != personKey(tc.b) {
			t.Errorf("personKey(%q) = %q, personKey(%q) = %q", tc.a, personKey(tc.a), tc.b, personKey(tc.b))
		}
	}
	if personKey("alice@example.com") == personKey("alice@example.org") || personKey("alice@x.com") == personKey("alicia@x.com") {
		t.Error("different people fold together")
	}
}

func TestCanGrant(t *testing.T) {
	t.Parallel()
	all := Roles()
	var tenantRoles []Role
	for _, r := range all {
		if !r.Platform() {
			tenantRoles = append(tenantRoles, r)
		}
	}
	for _, tc := range []struct {
		granter Role
		may     []Role
	}{
		{PlatformAdmin, all},
		{TenantOwner, tenantRoles},
		// Below its own rank, and nothing it does not hold itself: not
		// finance, which moves money.
		{TenantAdmin, []Role{Operator, Viewer}},
		{Operator, nil},
		{Viewer, nil},
		{Finance, nil},
		{SecurityAdmin, nil},
		{Auditor, nil},
		{ComplianceOfficer, nil},
		{CSAgent, nil},
		{RiskOfficer, nil},
		{Role("root"), nil},
	} {
		t.Run(string(tc.granter), func(t *testing.T) {
			for _, r := range append(all, Role("root"), Role("")) {
				if got, want := tc.granter.CanGrant(r), slices.Contains(tc.may, r); got != want {
					t.Errorf("CanGrant(%s) = %v, want %v", r, got, want)
				}
			}
		})
	}
	// Whatever a tenant role may grant, it holds: nobody hands out more
	// than they have (the platform administrator creates first owners).
	for _, g := range tenantRoles {
		for _, r := range all {
			if g.CanGrant(r) && !r.within(g) {
				t.Errorf("%s may grant %s, which holds more", g, r)
			}
		}
	}
}
