# Grants (add) or takes back (remove) "Replicating Directory Changes" and "… All" on the
# domain head for one SID, over LDAP as an admin, as scripts/samba-dc.sh grants them to
# canopy-sync (there with samba-tool dsacl on the DC's own database). Used by
# test/support/sync-account.ts for per-run sync accounts.
#   python3 replication-rights.py URL USER PASSWORD DOMAIN_DN SID add|remove
import sys
import ldb
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.credentials import Credentials
from samba.ndr import ndr_pack, ndr_unpack
from samba.dcerpc import security

GET_CHANGES = "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2"
GET_CHANGES_ALL = "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2"

url, user, password, dn, sid, action = sys.argv[1:7]
lp = LoadParm()
creds = Credentials()
creds.guess(lp)
creds.set_username(user)
creds.set_password(password)
samdb = SamDB(url=url, credentials=creds, lp=lp)
res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["nTSecurityDescriptor"], controls=["sd_flags:1:4"])
sd = ndr_unpack(security.descriptor, res[0]["nTSecurityDescriptor"][0])
sddl = sd.as_sddl()
aces = ["(OA;;CR;%s;;%s)" % (GET_CHANGES, sid), "(OA;;CR;%s;;%s)" % (GET_CHANGES_ALL, sid)]
for ace in aces:
    sddl = sddl.replace(ace, "")
if action == "add":
    # Explicit ACEs go before the inherited ones (canonical order); the DACL part is "D:flags(...)".
    head, rest = sddl.split("D:", 1)
    flags_end = rest.index("(")
    sddl = head + "D:" + rest[:flags_end] + "".join(aces) + rest[flags_end:]
new = security.descriptor.from_sddl(sddl, security.dom_sid(samdb.get_domain_sid()))
msg = ldb.Message(ldb.Dn(samdb, dn))
msg["nTSecurityDescriptor"] = ldb.MessageElement(ndr_pack(new), ldb.FLAG_MOD_REPLACE, "nTSecurityDescriptor")
samdb.modify(msg, controls=["sd_flags:1:4"])
