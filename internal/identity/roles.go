package identity

import (
	"slices"
)

// Role is a named set of permissions. A user holds exactly one role; an API
// key carries a tenant role no higher than its creator's.
type Role string

// Platform roles: the operator's staff. Administrator, security
// administrator and auditor are separated duties (三权分立, GB/T 22239
// level 3): one person may hold only one of them.
const (
	PlatformAdmin     Role = "platform_admin"
	SecurityAdmin     Role = "security_admin"
	Auditor           Role = "auditor"
	ComplianceOfficer Role = "compliance_officer"
	CSAgent           Role = "cs_agent"
	RiskOfficer       Role = "risk_officer"
)

// Tenant roles, highest first, and finance beside the ladder.
const (
	TenantOwner Role = "tenant_owner"
	TenantAdmin Role = "tenant_admin"
	Operator    Role = "operator"
	Viewer      Role = "viewer"
	Finance     Role = "finance"
)

// Permissions. Every route names one; Authorize checks it against the
// caller's role.
const (
	PermMe              = "me"
	PermTenantsRead     = "tenants.read"
	PermTenantsManage   = "tenants.manage"
	PermTenantRead      = "tenant.read"
	PermUsersRead       = "users.read"
	PermUsersManage     = "users.manage"
	PermAPIKeysRead     = "apikeys.read"
	PermAPIKeysManage   = "apikeys.manage"
	PermSessionsManage  = "sessions.manage"
	PermSecurityManage  = "security.manage"
	PermAuditRead       = "audit.read"
	PermDataRead        = "data.read"
	PermDataWrite       = "data.write"
	PermSettlementRead  = "settlement.read"
	PermSettlementWrite = "settlement.write"
	PermComplianceRead  = "compliance.read"
	PermComplianceWrite = "compliance.write"
	PermComplianceRules = "compliance.rules.write"
	PermLogisticsRead   = "logistics.read"
	PermLogisticsWrite  = "logistics.write"
	// PermLogisticsServices manages carrier services and their rate cards:
	// a tenant's negotiated ones (tenant admins) or, for platform
	// administrators, the shared ones every tenant sees.
	PermLogisticsServices = "logistics.services.write"
	PermSupportRead       = "support.read"
	PermSupportWrite      = "support.write"
	PermRiskRead          = "risk.read"
	PermRiskWrite         = "risk.write"
	PermPlatformDataRead  = "platform.data.read"
	PermPlatformDataWrite = "platform.data.write"
)

// tenantLadder is the tenant hierarchy, highest first: each role holds the
// permissions of those below it.
var tenantLadder = []Role{TenantOwner, TenantAdmin, Operator, Viewer}

var direct = map[Role][]string{
	// Platform duties. The administrator runs tenants and accounts but can
	// neither read nor alter the audit trail; the auditor can only read it;
	// the security administrator owns credentials, sessions and policy.
	PlatformAdmin:     {PermMe, PermTenantsRead, PermTenantsManage, PermUsersRead, PermUsersManage, PermPlatformDataRead, PermPlatformDataWrite, PermLogisticsServices},
	SecurityAdmin:     {PermMe, PermTenantsRead, PermUsersRead, PermAPIKeysRead, PermAPIKeysManage, PermSessionsManage, PermSecurityManage},
	Auditor:           {PermMe, PermAuditRead},
	ComplianceOfficer: {PermMe, PermTenantsRead, PermComplianceRead, PermComplianceRules, PermPlatformDataRead},
	CSAgent:           {PermMe, PermTenantsRead, PermSupportRead, PermSupportWrite},
	RiskOfficer:       {PermMe, PermTenantsRead, PermRiskRead, PermRiskWrite},

	Viewer:      {PermMe, PermTenantRead, PermDataRead, PermComplianceRead, PermLogisticsRead, PermSupportRead},
	Operator:    {PermDataWrite, PermComplianceWrite, PermLogisticsWrite, PermSupportWrite},
	TenantAdmin: {PermUsersRead, PermUsersManage, PermAPIKeysRead, PermAPIKeysManage, PermSettlementRead, PermLogisticsServices},
	TenantOwner: {PermSettlementWrite},
	Finance:     {PermMe, PermTenantRead, PermSettlementRead, PermSettlementWrite},
}

var perms = buildPerms()

func buildPerms() map[Role]map[string]bool {
	out := map[Role]map[string]bool{}
	for r, ps := range direct {
		out[r] = map[string]bool{}
		for _, p := range ps {
			out[r][p] = true
		}
	}
	// Walk the ladder upwards so each rung inherits everything below.
	for i := len(tenantLadder) - 2; i >= 0; i-- {
		for p := range out[tenantLadder[i+1]] {
			out[tenantLadder[i]][p] = true
		}
	}
	return out
}

// Roles lists every role.
func Roles() []Role {
	return []Role{PlatformAdmin, SecurityAdmin, Auditor, ComplianceOfficer, CSAgent, RiskOfficer,
		TenantOwner, TenantAdmin, Operator, Viewer, Finance}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Platform reports whether r is a platform (operator staff) role.
func (r Role) Platform() bool {
	switch r {
	case PlatformAdmin, SecurityAdmin, Auditor, ComplianceOfficer, CSAgent, RiskOfficer:
		return true
	}
	return false
}

// Duty reports whether r is one of the three separated duties.
func (r Role) Duty() bool { return r == PlatformAdmin || r == SecurityAdmin || r == Auditor }

// Can reports whether r holds perm.
func (r Role) Can(perm string) bool { return perms[r][perm] }

// Permissions lists r's permissions, sorted.
func (r Role) Permissions() []string {
	var out []string
	for p := range perms[r] {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// rank is a tenant role's position on the ladder (0 = highest); finance
// ranks with operators for granting purposes.
func (r Role) rank() int {
	if r == Finance {
		return slices.Index(tenantLadder, Operator)
	}
	if i := slices.Index(tenantLadder, r); i >= 0 {
		return i
	}
	return len(tenantLadder)
}

// CanGrant reports whether a holder of r may give role other to someone.
// Tenant owners grant any tenant role; tenant admins grant roles below
// their own that hold nothing they lack themselves (finance moves money,
// which an admin cannot, so an admin cannot hand it out either); the
// platform administrator grants platform roles and may create any tenant's
// first owner; nobody else grants anything.
func (r Role) CanGrant(other Role) bool {
	switch {
	case r == PlatformAdmin:
		return other.Valid()
	case r == TenantOwner:
		return other.Valid() && !other.Platform()
	case r == TenantAdmin:
		return other.Valid() && !other.Platform() && other.rank() > r.rank() && other.within(r)
	}
	return false
}

// within reports whether every permission of r is also held by other.
func (r Role) within(other Role) bool {
	for p := range perms[r] {
		if !perms[other][p] {
			return false
		}
	}
	return true
}

// MFARequired reports whether r must sign in with a second factor: level 3
// asks two factors of every administrator, so all platform roles do.
func (r Role) MFARequired() bool { return r.Platform() }
