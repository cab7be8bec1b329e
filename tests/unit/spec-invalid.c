/* hull_spec_parse refuses bad configs with the exact "JSON.PATH: cause". */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec-testutil.h"

#define P "'process':{'user':{'uid':0,'gid':0},'args':['sh'],'cwd':'/',"
#define PE(members) CFG(P members "}")
#define L(members) CFG("'linux':{" members "}")
#define RES(members) L("'resources':{" members "}")
#define SECCOMP(members) L("'seccomp':{" members "}")
#define MOUNT(m) "{'destination':'/m','type':'tmpfs','source':'tmpfs'" m "}"

static const struct {
	const char *json, *msg;
} invalid[] = {
	/* the document */
	{ "[]", "expected an object" },
	{ "{}", "ociVersion: missing" },
	{ "{'ociVersion':1,'root':{'path':'r'}}", "ociVersion: expected a string" },
	{ "{'ociVersion':'','root':{'path':'r'}}", "ociVersion: must not be empty" },
	{ "{'ociVersion':'2.0.0','root':{'path':'r'}}",
	  "ociVersion: unsupported version 2.0.0 (hull supports 1.x)" },
	{ "{'ociVersion':'1.x','root':{'path':'r'}}",
	  "ociVersion: 1.x is not a SemVer 2.0.0 version (such as 1.3.0)" },
	{ "{'ociVersion':'1.2','root':{'path':'r'}}", "ociVersion: 1.2 is not a SemVer 2.0.0 version (such as 1.3.0)" },
	{ "{'ociVersion':'1.2.3.4','root':{'path':'r'}}", "ociVersion: 1.2.3.4 is not a SemVer 2.0.0 version (such as 1.3.0)" },
	{ "{'ociVersion':'1.02.0','root':{'path':'r'}}", "ociVersion: 1.02.0 is not a SemVer 2.0.0 version (such as 1.3.0)" },
	{ "{'ociVersion':'1.2.0-','root':{'path':'r'}}", "ociVersion: 1.2.0- is not a SemVer 2.0.0 version (such as 1.3.0)" },
	{ "{'ociVersion':'1.2.0 junk','root':{'path':'r'}}", "ociVersion: 1.2.0 junk is not a SemVer 2.0.0 version (such as 1.3.0)" },
	{ "{'ociVersion':'1.2.0','hostname':'a','hostname':'b','root':{'path':'r'}}",
	  "line 1 column 47: duplicate object key near '\"hostname\"'" },
	{ CFG("'annotations':{'':'x'}"), "annotations: a key must not be empty" },
	{ CFG("'linux':{'sysctl':{'':'1'}}"), "linux.sysctl: a key must not be empty" },
	{ CFG(PROC(",'ioPriority':{'class':'IOPRIO_CLASS_BE'}")), "process.ioPriority.priority: missing" },
	{ CFG("'linux':{'resources':{'blockIO':{'weightDevice':[{'major':8,'minor':0}]}}}"),
	  "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight" },
	{ CFG("'linux':{'resources':{'rdma':{'mlx5_1':{}}}}"),
	  "linux.resources.rdma.mlx5_1: needs hcaHandles or hcaObjects" },
	{ CFG("'linux':{'intelRdt':{'memBwSchema':'L3:0=f'}}"), "linux.intelRdt.memBwSchema: must start with MB:" },
	{ CFG("'linux':{'intelRdt':{'l3CacheSchema':'L3:0=f\\nMB:0=10'}}"),
	  "linux.intelRdt: a schema must not contain a newline" },
	{ CFG("'linux':{'intelRdt':{'schemata':['L3:0=f','MB:0=1\\nL2:0=1']}}"),
	  "linux.intelRdt.schemata: [1] must not contain a newline" },
	{ CFG("'linux':{'intelRdt':{'closID':'a/b'}}"), "linux.intelRdt.closID: \"a/b\": not a resctrl group name" },
	{ CFG("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','listenerMetadata':'x'}}"),
	  "linux.seccomp.listenerMetadata: needs listenerPath" },
	{ "{'ociVersion':'1.2.0'}", "root: missing" },
	{ "{'ociVersion':'1.2.0','root':'rootfs'}", "root: expected an object" },
	{ "{'ociVersion':'1.2.0','root':{}}", "root.path: missing" },
	{ "{'ociVersion':'1.2.0','root':{'path':''}}", "root.path: must not be empty" },
	{ "{'ociVersion':'1.2.0','root':{'path':'r','readonly':'yes'}}",
	  "root.readonly: expected a boolean" },
	{ CFG("'hostname':18446744073709551615"), "hostname: expected a string" },
	{ CFG("'hostname':{}"), "hostname: expected a string" },
	{ CFG("'annotations':{'foo':1}"), "annotations.foo: expected a string" },
	{ CFG("'annotations':[]"), "annotations: expected an object" },
	/* process */
	{ CFG("'process':[]"), "process: expected an object" },
	{ CFG("'process':{'args':['sh'],'cwd':'/'}"), "process.user: missing" },
	{ CFG("'process':{'user':{'gid':0},'args':['sh'],'cwd':'/'}"), "process.user.uid: missing" },
	{ CFG("'process':{'user':{'uid':0,'gid':0},'cwd':'/'}"), "process.args: missing" },
	{ CFG("'process':{'user':{'uid':0,'gid':0},'args':[],'cwd':'/'}"),
	  "process.args: must not be empty" },
	{ CFG("'process':{'user':{'uid':0,'gid':0},'args':[1],'cwd':'/'}"),
	  "process.args[0]: expected a string" },
	{ CFG("'process':{'user':{'uid':0,'gid':0},'args':'sh','cwd':'/'}"),
	  "process.args: expected an array" },
	{ CFG("'process':{'user':{'uid':0,'gid':0},'args':['sh']}"), "process.cwd: missing" },
	{ CFG("'process':{'user':{'uid':0,'gid':0},'args':['sh'],'cwd':'tmp'}"),
	  "process.cwd: must be an absolute path" },
	{ CFG("'process':{'user':{'uid':-1,'gid':0},'args':['sh'],'cwd':'/'}"),
	  "process.user.uid: expected a non-negative integer" },
	{ CFG("'process':{'user':{'uid':4294967296,'gid':0},'args':['sh'],'cwd':'/'}"),
	  "process.user.uid: 4294967296 is not a valid id (0 to 4294967294; 4294967295 is (uid_t)-1, \"unchanged\")" },
	{ CFG("'process':{'user':{'uid':18446744073709551615,'gid':0},'args':['sh'],'cwd':'/'}"),
	  "process.user.uid: 18446744073709551615 is not a valid id (0 to 4294967294; 4294967295 is (uid_t)-1, \"unchanged\")" },
	{ CFG("'process':{'user':{'uid':4294967295,'gid':0},'args':['sh'],'cwd':'/'}"),
	  "process.user.uid: 4294967295 is not a valid id (0 to 4294967294; 4294967295 is (uid_t)-1, \"unchanged\")" },
	{ CFG("'process':{'user':{'uid':0,'gid':4294967295},'args':['sh'],'cwd':'/'}"),
	  "process.user.gid: 4294967295 is not a valid id (0 to 4294967294; 4294967295 is (uid_t)-1, \"unchanged\")" },
	{ CFG("'process':{'user':{'uid':'0','gid':0},'args':['sh'],'cwd':'/'}"),
	  "process.user.uid: expected a non-negative integer" },
	{ CFG("'process':{'user':{'uid':0,'gid':1.5},'args':['sh'],'cwd':'/'}"),
	  "process.user.gid: expected a non-negative integer" },
	{ CFG("'process':{'user':{'uid':0,'gid':0,'umask':512},'args':['sh'],'cwd':'/'}"),
	  "process.user.umask: must be between 0 and 0777" },
	{ CFG("'process':{'user':{'uid':0,'gid':0,'additionalGids':[1,-2]},'args':['sh'],'cwd':'/'}"),
	  "process.user.additionalGids[1]: expected a non-negative integer" },
	{ PE("'env':['PATH=/bin','FOO']"), "process.env[1]: expected KEY=VALUE" },
	{ PE("'env':['=x']"), "process.env[0]: expected KEY=VALUE" },
	{ PE("'terminal':'yes'"), "process.terminal: expected a boolean" },
	{ PE("'consoleSize':{'height':10}"), "process.consoleSize.width: missing" },
	{ PE("'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
	  "process.rlimits[0].type: unknown rlimit type RLIMIT_FOO" },
	{ PE("'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},"
	     "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]"),
	  "process.rlimits[1].type: duplicate rlimit type RLIMIT_NOFILE" },
	{ PE("'rlimits':[{'type':'RLIMIT_CORE','hard':1}]"), "process.rlimits[0].soft: missing" },
	{ PE("'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':-1}]"),
	  "process.rlimits[0].hard: expected a non-negative integer" },
	{ PE("'rlimits':[{'type':'RLIMIT_CORE','soft':10,'hard':5}]"),
	  "process.rlimits[0].soft: must not exceed hard" },
	{ PE("'rlimits':[{'soft':10,'hard':5}]"), "process.rlimits[0].type: missing" },
	{ PE("'oomScoreAdj':1001"), "process.oomScoreAdj: must be between -1000 and 1000" },
	{ PE("'oomScoreAdj':-1001"), "process.oomScoreAdj: must be between -1000 and 1000" },
	{ PE("'oomScoreAdj':'0'"), "process.oomScoreAdj: expected an integer" },
	{ PE("'ioPriority':{'class':'IOPRIO_CLASS_X','priority':1}"),
	  "process.ioPriority.class: unknown class IOPRIO_CLASS_X" },
	{ PE("'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}"),
	  "process.ioPriority.priority: must be between 0 and 7" },
	{ PE("'scheduler':{'policy':'SCHED_FOO'}"),
	  "process.scheduler.policy: unknown policy SCHED_FOO" },
	{ PE("'scheduler':{'nice':1}"), "process.scheduler.policy: missing" },
	{ PE("'scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_X']}"),
	  "process.scheduler.flags[0]: unknown flag SCHED_FLAG_X" },
	{ PE("'capabilities':{'bounding':'CAP_KILL'}"),
	  "process.capabilities.bounding: expected an array" },
	{ PE("'capabilities':{'ambient':[true]}"),
	  "process.capabilities.ambient[0]: expected a string" },
	{ PE("'noNewPrivileges':1"), "process.noNewPrivileges: expected a boolean" },
	/* mounts */
	{ CFG("'mounts':{}"), "mounts: expected an array" },
	{ CFG("'mounts':['/proc']"), "mounts[0]: expected an object" },
	{ CFG("'mounts':[{'type':'proc'}]"), "mounts[0].destination: missing" },
	{ CFG("'mounts':[" MOUNT("") "," MOUNT("") ",{'destination':'','type':'proc'}]"),
	  "mounts[2].destination: must not be empty" },
	{ CFG("'mounts':[" MOUNT("") "," MOUNT(",'options':[5]") "]"),
	  "mounts[1].options[0]: expected a string" },
	{ CFG("'mounts':[" MOUNT("") "," MOUNT(",'options':['']") "]"),
	  "mounts[1].options[0]: must not be empty" },
	{ CFG("'mounts':[" MOUNT(",'options':'ro'") "]"), "mounts[0].options: expected an array" },
	{ CFG("'mounts':[{'destination':'/m','options':['rbind']}]"), "mounts[0].source: missing" },
	{ CFG("'mounts':[" MOUNT(",'uidMappings':[{'containerID':0,'hostID':1000}]") "]"),
	  "mounts[0].uidMappings[0].size: missing" },
	{ CFG("'mounts':[{'destination':'/m','type':7}]"), "mounts[0].type: expected a string" },
	/* linux */
	{ CFG("'linux':[]"), "linux: expected an object" },
	{ L("'namespaces':[{'type':'foo'}]"), "linux.namespaces[0].type: unknown namespace type foo" },
	{ L("'namespaces':[{'type':'pid'},{'type':'ipc'},{'type':'uts'},{'type':'ipc'}]"),
	  "linux.namespaces[3].type: duplicate namespace ipc" },
	{ L("'namespaces':[{'path':'/proc/1/ns/net'}]"), "linux.namespaces[0].type: missing" },
	{ L("'namespaces':[{'type':'network','path':'proc/1/ns/net'}]"),
	  "linux.namespaces[0].path: must be an absolute path" },
	{ L("'namespaces':{'type':'pid'}"), "linux.namespaces: expected an array" },
	{ L("'uidMappings':[{'containerID':0,'hostID':'x','size':1}]"),
	  "linux.uidMappings[0].hostID: expected a non-negative integer" },
	{ L("'gidMappings':[{'containerID':0,'hostID':0}]"), "linux.gidMappings[0].size: missing" },
	{ L("'timeOffsets':{'realtime':{'secs':1}}"),
	  "linux.timeOffsets.realtime: unknown clock (expected monotonic or boottime)" },
	{ L("'timeOffsets':{'boottime':{'secs':1,'nanosecs':1000000000}}"),
	  "linux.timeOffsets.boottime.nanosecs: must be between 0 and 999999999" },
	{ L("'devices':[{'path':'dev/null','type':'c','major':1,'minor':3}]"),
	  "linux.devices[0].path: must be an absolute path" },
	{ L("'devices':[{'path':'/dev/x','type':'x','major':1,'minor':3}]"),
	  "linux.devices[0].type: unknown device type x" },
	{ L("'devices':[{'path':'/dev/x','type':'c','minor':3}]"), "linux.devices[0].major: missing" },
	{ L("'devices':[{'path':'/dev/x','type':'b','major':1,'minor':-3}]"),
	  "linux.devices[0].minor: must be between 0 and 9223372036854775807" },
	{ L("'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,'uid':-1}]"),
	  "linux.devices[0].uid: expected a non-negative integer" },
	{ L("'netDevices':{'eth1':'eth0'}"), "linux.netDevices.eth1: expected an object" },
	{ L("'sysctl':{'net.ipv4.ip_forward':1}"),
	  "linux.sysctl.net.ipv4.ip_forward: expected a string" },
	{ L("'maskedPaths':['/proc/kcore','proc/keys']"),
	  "linux.maskedPaths[1]: must be an absolute path" },
	{ L("'readonlyPaths':'/proc/sys'"), "linux.readonlyPaths: expected an array" },
	{ L("'rootfsPropagation':'foo'"), "linux.rootfsPropagation: unknown propagation foo" },
	{ L("'cgroupsPath':5"), "linux.cgroupsPath: expected a string" },
	{ L("'personality':{'domain':'LINUX64'}"), "linux.personality.domain: unknown domain LINUX64" },
	{ L("'memoryPolicy':{'mode':'MPOL_FOO'}"), "linux.memoryPolicy.mode: unknown mode MPOL_FOO" },
	{ L("'intelRdt':true"), "linux.intelRdt: expected an object" },
	/* linux.resources */
	{ RES("'memory':{'limit':-2}"), "linux.resources.memory.limit: must be -1 or non-negative" },
	{ RES("'memory':{'swap':'1G'}"), "linux.resources.memory.swap: expected an integer" },
	{ RES("'memory':{'swappiness':101}"),
	  "linux.resources.memory.swappiness: must be between 0 and 100 (or -1, not set)" },
	{ RES("'memory':{'swappiness':18446744073709551614}"),
	  "linux.resources.memory.swappiness: must be between 0 and 100 (or -1, not set)" },
	{ RES("'devices':[{'access':'rwm'}]"), "linux.resources.devices[0].allow: missing" },
	{ RES("'devices':[{'allow':true,'access':'rwx'}]"),
	  "linux.resources.devices[0].access: must be made of the letters r, w and m" },
	{ RES("'devices':[{'allow':true,'type':'p'}]"),
	  "linux.resources.devices[0].type: unknown device type p" },
	{ RES("'devices':[{'allow':true,'major':-2}]"),
	  "linux.resources.devices[0].major: must be between -1 and 9223372036854775807" },
	{ RES("'cpu':{'shares':-1}"), "linux.resources.cpu.shares: expected a non-negative integer" },
	{ RES("'cpu':{'cpus':[0,1]}"), "linux.resources.cpu.cpus: expected a string" },
	{ RES("'pids':{'limit':'max'}"), "linux.resources.pids.limit: expected an integer" },
	{ RES("'blockIO':{'weight':5}"),
	  "linux.resources.blockIO.weight: must be between 10 and 1000 (or 0, not set)" },
	{ RES("'blockIO':{'weight':-1}"), "linux.resources.blockIO.weight: must be between 0 and 1000" },
	{ RES("'blockIO':{'weightDevice':[{'major':8,'minor':0,'leafWeight':1001}]}"),
	  "linux.resources.blockIO.weightDevice[0].leafWeight: must be between 0 and 1000" },
	{ RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}"),
	  "linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing" },
	{ RES("'hugepageLimits':[{'limit':1}]"), "linux.resources.hugepageLimits[0].pageSize: missing" },
	{ RES("'network':{'priorities':[{'name':'eth0','priority':-1}]}"),
	  "linux.resources.network.priorities[0].priority: expected a non-negative integer" },
	{ RES("'unified':{'memory.high':1}"), "linux.resources.unified.memory.high: expected a string" },
	{ RES("'rdma':{'mlx5_0':{'hcaHandles':'x'}}"),
	  "linux.resources.rdma.mlx5_0.hcaHandles: expected a non-negative integer" },
	/* linux.seccomp */
	{ SECCOMP("'architectures':['SCMP_ARCH_X86_64']"), "linux.seccomp.defaultAction: missing" },
	{ SECCOMP("'defaultAction':'SCMP_ACT_FOO'"),
	  "linux.seccomp.defaultAction: unknown action SCMP_ACT_FOO" },
	{ SECCOMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getcwd'],"
		  "'action':'SCMP_ACT_FOO'}]"),
	  "linux.seccomp.syscalls[0].action: unknown action SCMP_ACT_FOO" },
	{ SECCOMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_ERRNO'}]"),
	  "linux.seccomp.syscalls[0].names: missing" },
	{ SECCOMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],'action':'SCMP_ACT_ERRNO'}]"),
	  "linux.seccomp.syscalls[0].names: must not be empty" },
	{ SECCOMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['kill'],"
		  "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_FOO'}]}]"),
	  "linux.seccomp.syscalls[0].args[0].op: unknown operator SCMP_CMP_FOO" },
	{ SECCOMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['kill'],"
		  "'action':'SCMP_ACT_ERRNO','args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]"),
	  "linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5" },
	/* hooks */
	{ CFG("'hooks':[]"), "hooks: expected an object" },
	{ CFG("'hooks':{'prestart':[{'args':['x']}]}"), "hooks.prestart[0].path: missing" },
	{ CFG("'hooks':{'poststop':[{'path':'/bin/true'},{'path':'true'}]}"),
	  "hooks.poststop[1].path: must be an absolute path" },
	{ CFG("'hooks':{'createRuntime':[{'path':'/bin/true','timeout':0}]}"),
	  "hooks.createRuntime[0].timeout: must be between 1 and 2147483647" },
	{ CFG("'hooks':{'startContainer':{'path':'/bin/true'}}"),
	  "hooks.startContainer: expected an array" },
	{ CFG("'hooks':{'poststart':[{'path':'/bin/true','env':['X']}]}"),
	  "hooks.poststart[0].env[0]: expected KEY=VALUE" },
};

START_TEST(test_invalid)
{
	struct hull_spec *spec;
	struct hull_err err;
	int r = spec_test_parse(invalid[_i].json, &spec, &err);
	ck_assert_msg(r == -EINVAL, "case %d: %s: parsed (r=%d)", _i, invalid[_i].json, r);
	ck_assert_ptr_null(spec);
	ck_assert_str_eq(err.msg, invalid[_i].msg);
	ck_assert_int_eq(err.code, -EINVAL);
}
END_TEST

/* jansson's own words after our line/column; the position is what we promise. */
START_TEST(test_syntax_error)
{
	struct hull_spec *spec;
	struct hull_err err;
	ck_assert_int_lt(spec_test_parse("{\n  'ociVersion': '1.0.0',\n  'root': {'path' 'r'}\n}",
					 &spec, &err), 0);
	ck_assert_msg(strncmp(err.msg, "line 3 column ", 14) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "':' expected"));
	ck_assert_int_lt(spec_test_parse("", &spec, &err), 0);
	ck_assert_msg(strncmp(err.msg, "line 1 column 0: ", 17) == 0, "%s", err.msg);
	/* above UINT64_MAX: too big even for the second pass, position kept */
	ck_assert_int_lt(spec_test_parse("{'a':\n 18446744073709551616}", &spec, &err), 0);
	ck_assert_msg(strncmp(err.msg, "line 2 column ", 14) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "too big integer"));
}
END_TEST

static char tmpdir[64];

static void write_config(const char *json)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", tmpdir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	char *q = spec_test_quote(json);
	fputs(q, f);
	free(q);
	fclose(f);
}

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hull-spec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

START_TEST(test_load_prefix)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	char want[256];

	make_tmpdir();
	snprintf(want, sizeof(want), "config.json: %s/config.json: No such file or directory", tmpdir);
	ck_assert_int_eq(hull_spec_load(tmpdir, &spec, &err), -ENOENT);
	ck_assert_str_eq(err.msg, want);

	write_config(CFG("'process':{'user':{'uid':0,'gid':0},'args':[1],'cwd':'/'}"));
	hull_err_clear(&err);
	ck_assert_int_eq(hull_spec_load(tmpdir, &spec, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "config.json: process.args[0]: expected a string");

	write_config("{'ociVersion': '1.0.0',\n 'root': }");
	hull_err_clear(&err);
	ck_assert_int_eq(hull_spec_load(tmpdir, &spec, &err), -EINVAL);
	ck_assert_msg(strncmp(err.msg, "config.json: line 2 column ", 27) == 0, "%s", err.msg);

	write_config(CFG(PROC("")));
	hull_err_clear(&err);
	ck_assert_int_eq(hull_spec_load(tmpdir, &spec, &err), 0);
	char root[128];
	snprintf(root, sizeof(root), "%s/rootfs", tmpdir);
	ck_assert_str_eq(spec->bundle, tmpdir);
	ck_assert_str_eq(spec->root_path, root);
	hull_spec_free(spec);

	/* a relative bundle is made absolute against the working directory */
	char cwd[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir("/tmp"), 0);
	ck_assert_int_eq(hull_spec_load(tmpdir + 5, &spec, &err), 0);
	ck_assert_str_eq(spec->bundle, tmpdir);
	ck_assert_int_eq(chdir(cwd), 0);
	hull_spec_free(spec);
	remove_tmpdir();
}
END_TEST

HULL_SUITE(spec_invalid, unit)
{
	Suite *s = suite_create("spec_invalid");
	TCase *tc = tcase_create("invalid");
	tcase_add_loop_test(tc, test_invalid, 0, (int)(sizeof(invalid) / sizeof(invalid[0])));
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_load_prefix);
	suite_add_tcase(s, tc);
	return s;
}
