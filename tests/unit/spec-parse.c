/* hull_spec_parse on valid configs: every field lands where spec.h says. */
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "spec-testutil.h"

#define S ck_assert_str_eq
#define I ck_assert_int_eq
#define U ck_assert_uint_eq
#define T ck_assert

static void c_minimal(const struct hull_spec *s)
{
	S(s->oci_version, "1.0.0");
	S(s->bundle, "/bundle");
	S(s->root_path, "/bundle/rootfs");
	T(!s->root_readonly);
	T(!s->has_process);
	I(s->n_mounts, 0);
	T(!s->hostname && !s->domainname);
	I(s->annotations.n, 0);
	for (int i = 0; i < HULL_NS_TYPES; i++)
		T(!s->linux_.ns[i].present);
	T(!s->linux_.resources.present && !s->linux_.seccomp.present);
	for (int k = 0; k < HULL_HOOK_KINDS; k++)
		I(s->hooks[k].n, 0);
	U(s->raw_len, strlen(s->raw));
	T(strstr(s->raw, "\"ociVersion\"") != NULL);
}

static void c_abs_root(const struct hull_spec *s)
{
	S(s->oci_version, "1.2.0");
	S(s->root_path, "/srv/root");
	T(s->root_readonly);
}

static void c_tidy_root(const struct hull_spec *s)
{
	S(s->oci_version, "1.3.0");
	S(s->root_path, "/bundle/../x/rootfs");
}

static void c_rc_version(const struct hull_spec *s)
{
	S(s->oci_version, "1.1.0-rc.1");
	T(s->has_process);
	S(s->process.args.v[0], "sh");
	T(s->process.args.v[1] == NULL);
}

static void c_process(const struct hull_spec *s)
{
	const struct hull_process *p = &s->process;
	S(s->oci_version, "1.0.2");
	T(s->has_process);
	T(p->terminal);
	T(p->has_console_size);
	U(p->console_height, 24);
	U(p->console_width, 80);
	U(p->uid, 4294967294u);
	U(p->gid, 100);
	T(p->has_umask);
	U(p->umask, 022);
	U(p->n_additional_gids, 2);
	U(p->additional_gids[0], 5);
	U(p->additional_gids[1], 10);
	U(p->args.n, 3);
	S(p->args.v[2], "echo hi");
	U(p->env.n, 2);
	S(p->env.v[1], "A=b=c");
	S(p->cwd, "/work");
	T(p->has_caps);
	T(p->caps.has_bounding && p->caps.has_effective && p->caps.has_ambient);
	T(!p->caps.has_permitted && p->caps.has_inheritable);
	U(p->caps.bounding.n, 2);
	S(p->caps.bounding.v[1], "CAP_KILL");
	U(p->caps.inheritable.n, 0);
	U(p->n_rlimits, 2);
	I(p->rlimits[0].resource, RLIMIT_NOFILE);
	S(p->rlimits[0].type, "RLIMIT_NOFILE");
	U(p->rlimits[0].soft, 1024);
	U(p->rlimits[0].hard, 4096);
	I(p->rlimits[1].resource, RLIMIT_MEMLOCK);
	U(p->rlimits[1].hard, UINT64_MAX);
	U(p->rlimits[1].soft, UINT64_MAX);
	T(p->no_new_privileges);
	S(p->apparmor_profile, "docker-default");
	S(p->selinux_label, "system_u:system_r:container_t:s0");
	T(p->has_oom_score_adj);
	I(p->oom_score_adj, -1000);
	T(p->has_io_priority);
	S(p->io_priority_class, "IOPRIO_CLASS_IDLE");
	I(p->io_priority_class_num, 3);
	I(p->io_priority, 7);
	T(p->scheduler.set);
	S(p->scheduler.policy, "SCHED_DEADLINE");
	I(p->scheduler.policy_num, 6);
	I(p->scheduler.nice, -20);
	I(p->scheduler.priority, 0);
	U(p->scheduler.flags.n, 1);
	S(p->scheduler.flags.v[0], "SCHED_FLAG_RESET_ON_FORK");
	U(p->scheduler.runtime, 10000000);
	U(p->scheduler.deadline, 20000000);
	U(p->scheduler.period, 30000000);
	S(p->exec_cpu_affinity_initial, "0-1");
	S(p->exec_cpu_affinity_final, "1");
}

static void c_process_defaults(const struct hull_spec *s)
{
	const struct hull_process *p = &s->process;
	T(s->has_process);
	T(!p->terminal && !p->has_console_size && !p->has_umask && !p->has_caps);
	T(!p->has_oom_score_adj && !p->has_io_priority && !p->scheduler.set);
	T(!p->no_new_privileges);
	U(p->env.n, 0);
	T(p->env.v == NULL);
	U(p->n_rlimits, 0);
	T(!p->apparmor_profile && !p->selinux_label && !p->exec_cpu_affinity_initial);
	U(p->uid, 0);
}

static void c_mounts(const struct hull_spec *s)
{
	I(s->n_mounts, 3);
	const struct hull_mount *m = &s->mounts[0];
	S(m->destination, "/proc");
	S(m->type, "proc");
	S(m->source, "proc");
	U(m->options.n, 0);
	T(m->data == NULL && !m->is_bind && m->flags == 0);
	m = &s->mounts[1];
	T(m->is_bind);
	T(m->type == NULL);
	S(m->source, "/bundle/data/in");
	U(m->flags, MS_BIND | MS_REC | MS_RDONLY);
	U(m->propagation, MS_PRIVATE | MS_REC);
	U(m->options.n, 3);
	S(m->options.v[0], "rbind");
	U(m->uid_mappings.n, 1);
	U(m->uid_mappings.v[0].container_id, 0);
	U(m->uid_mappings.v[0].host_id, 100000);
	U(m->uid_mappings.v[0].size, 65536);
	U(m->gid_mappings.n, 1);
	U(m->gid_mappings.v[0].host_id, 200000);
	m = &s->mounts[2];
	T(m->is_bind);
	S(m->source, "/abs/src");
	U(m->flags, MS_BIND);
}

static void c_namespaces(const struct hull_spec *s)
{
	const struct hull_linux *l = &s->linux_;
	for (int i = 0; i < HULL_NS_TYPES; i++)
		T(l->ns[i].present);
	S(l->ns[HULL_NS_NETWORK].path, "/var/run/netns/x");
	T(l->ns[HULL_NS_PID].path == NULL);
	U(l->uid_mappings.n, 2);
	U(l->uid_mappings.v[1].container_id, 1);
	U(l->uid_mappings.v[1].host_id, 100000);
	U(l->uid_mappings.v[1].size, 65535);
	U(l->gid_mappings.n, 1);
	U(l->gid_mappings.v[0].size, 4294967295u);
	T(l->time_monotonic.set);
	I(l->time_monotonic.secs, -5);
	U(l->time_monotonic.nanosecs, 0);
	T(l->time_boottime.set);
	I(l->time_boottime.secs, 3600);
	U(l->time_boottime.nanosecs, 999999999);
}

static void c_devices(const struct hull_spec *s)
{
	const struct hull_linux *l = &s->linux_;
	U(l->n_devices, 2);
	S(l->devices[0].path, "/dev/fuse");
	I(l->devices[0].type, 'c');
	I(l->devices[0].major, 10);
	I(l->devices[0].minor, 229);
	T(l->devices[0].has_file_mode);
	U(l->devices[0].file_mode, 0666);
	T(l->devices[0].has_uid && l->devices[0].has_gid);
	U(l->devices[0].uid, 0);
	U(l->devices[0].gid, 5);
	I(l->devices[1].type, 'p');
	I(l->devices[1].major, -1);
	I(l->devices[1].minor, -1);
	T(!l->devices[1].has_file_mode && !l->devices[1].has_uid);
	U(l->n_net_devices, 2);
	S(l->net_devices[0].host_name, "eth1");
	S(l->net_devices[0].name, "ctr0");
	S(l->net_devices[1].host_name, "eth2");
	S(l->net_devices[1].name, "eth2");
	S(l->cgroups_path, "/hull/c1");
}

static void c_resources(const struct hull_spec *s)
{
	const struct hull_resources *r = &s->linux_.resources;
	T(r->present);
	U(r->n_devices, 3);
	T(!r->devices[0].allow);
	I(r->devices[0].type, 'a');
	I(r->devices[0].major, -1);
	S(r->devices[0].access, "rwm");
	T(r->devices[1].allow);
	I(r->devices[1].type, 'c');
	I(r->devices[1].major, 1);
	I(r->devices[1].minor, -1);
	S(r->devices[1].access, "mw");
	S(r->devices[2].access, "");
	T(r->memory.present && r->memory.has_limit && r->memory.has_swap);
	I(r->memory.limit, 1073741824);
	I(r->memory.swap, -1);
	T(r->memory.has_reservation && r->memory.has_kernel && r->memory.has_kernel_tcp);
	I(r->memory.reservation, 0);
	T(r->memory.has_swappiness);
	U(r->memory.swappiness, 60);
	T(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
	T(r->memory.has_use_hierarchy && !r->memory.use_hierarchy);
	T(r->memory.has_check_before_update && r->memory.check_before_update);
	T(r->cpu.present && r->cpu.has_shares && r->cpu.has_quota && r->cpu.has_period);
	U(r->cpu.shares, 1024);
	I(r->cpu.quota, -1);
	U(r->cpu.period, 100000);
	T(r->cpu.has_burst && r->cpu.has_realtime_runtime && r->cpu.has_realtime_period);
	T(r->cpu.has_idle);
	I(r->cpu.idle, 1);
	S(r->cpu.cpus, "0-1");
	S(r->cpu.mems, "0");
	T(r->pids.present && r->pids.has_limit);
	I(r->pids.limit, 64);
	T(r->block_io.present && r->block_io.has_weight && !r->block_io.has_leaf_weight);
	U(r->block_io.weight, 500);
	U(r->block_io.n_weight_device, 1);
	I(r->block_io.weight_device[0].major, 8);
	T(r->block_io.weight_device[0].has_weight && !r->block_io.weight_device[0].has_leaf_weight);
	U(r->block_io.weight_device[0].weight, 10);
	U(r->block_io.throttle_read_bps.n, 1);
	U(r->block_io.throttle_read_bps.v[0].rate, 1048576);
	U(r->block_io.throttle_write_iops.n, 1);
	I(r->block_io.throttle_write_iops.v[0].minor, 16);
	U(r->block_io.throttle_write_bps.n, 0);
	U(r->n_hugepage_limits, 1);
	S(r->hugepage_limits[0].page_size, "2MB");
	U(r->hugepage_limits[0].limit, 209715200);
	T(r->network.present && r->network.has_class_id);
	U(r->network.class_id, 0x100001);
	U(r->network.n_priorities, 1);
	S(r->network.priorities[0].name, "eth0");
	U(r->network.priorities[0].priority, 5);
	U(r->n_rdma, 1);
	S(r->rdma[0].device, "mlx5_1");
	T(r->rdma[0].has_hca_handles && !r->rdma[0].has_hca_objects);
	U(r->rdma[0].hca_handles, 3);
	U(r->unified.n, 2);
	S(r->unified.v[0].key, "memory.high");
	S(r->unified.v[0].value, "max");
	S(r->unified.v[1].key, "io.weight");
}

/* What runc reads as "not set" (docker writes "blockIO":{"weight":0} and
 * zero shares; Go's uint64(-1) for swappiness): accepted, and left unset
 * where hull's writers would otherwise touch the file. */
static void c_resources_unset(const struct hull_spec *s)
{
	const struct hull_resources *r = &s->linux_.resources;
	T(r->block_io.present && !r->block_io.has_weight && !r->block_io.has_leaf_weight);
	U(r->block_io.n_weight_device, 1);
	T(!r->block_io.weight_device[0].has_weight && !r->block_io.weight_device[0].has_leaf_weight);
	T(r->pids.present && r->pids.has_limit && r->pids.limit == 0);	/* 1.3: a limit */
	T(r->network.present && !r->network.has_class_id);
	T(r->memory.has_swappiness);
	U(r->memory.swappiness, UINT64_MAX);
	T(r->cpu.has_shares && r->cpu.has_quota && r->cpu.has_period);
	U(r->cpu.shares, 0);
	I(r->cpu.quota, -50);
	S(r->cpu.cpus, "");
	T(r->memory.has_limit && r->memory.limit == 0 && r->memory.has_reservation);
}

static void c_seccomp(const struct hull_spec *s)
{
	const struct hull_seccomp *sc = &s->linux_.seccomp;
	T(sc->present);
	S(sc->default_action, "SCMP_ACT_ERRNO");
	T(sc->has_default_errno_ret);
	U(sc->default_errno_ret, 38);
	U(sc->architectures.n, 2);
	S(sc->architectures.v[1], "SCMP_ARCH_X86");
	U(sc->flags.n, 1);
	S(sc->flags.v[0], "SECCOMP_FILTER_FLAG_LOG");
	S(sc->listener_path, "/run/seccomp.sock");
	S(sc->listener_metadata, "meta");
	U(sc->n_syscalls, 2);
	U(sc->syscalls[0].names.n, 2);
	S(sc->syscalls[0].names.v[1], "write");
	S(sc->syscalls[0].action, "SCMP_ACT_ALLOW");
	T(!sc->syscalls[0].has_errno_ret);
	U(sc->syscalls[0].n_args, 0);
	S(sc->syscalls[1].action, "SCMP_ACT_ERRNO");
	T(sc->syscalls[1].has_errno_ret);
	U(sc->syscalls[1].errno_ret, 1);
	U(sc->syscalls[1].n_args, 2);
	U(sc->syscalls[1].args[0].index, 0);
	U(sc->syscalls[1].args[0].value, 2080505856);
	S(sc->syscalls[1].args[0].op, "SCMP_CMP_MASKED_EQ");
	I(sc->syscalls[1].args[0].op_num, 7);
	U(sc->syscalls[1].args[0].value_two, 0);
	U(sc->syscalls[1].args[1].index, 5);
	I(sc->syscalls[1].args[1].op_num, 1);
	U(sc->syscalls[1].args[1].value, UINT64_MAX);
}

static void c_hooks(const struct hull_spec *s)
{
	for (int k = 0; k < HULL_HOOK_KINDS; k++)
		I(s->hooks[k].n, 1);
	const struct hull_hook *h = &s->hooks[HULL_HOOK_PRESTART].v[0];
	S(h->path, "/usr/bin/fix-mounts");
	U(h->args.n, 3);
	S(h->args.v[2], "arg2");
	U(h->env.n, 1);
	S(h->env.v[0], "key1=value1");
	T(!h->has_timeout);
	h = &s->hooks[HULL_HOOK_POSTSTOP].v[0];
	S(h->path, "/usr/sbin/cleanup.sh");
	T(h->has_timeout);
	I(h->timeout, 5);
	S(s->hooks[HULL_HOOK_CREATE_RUNTIME].v[0].path, "/a");
	S(s->hooks[HULL_HOOK_CREATE_CONTAINER].v[0].path, "/b");
	S(s->hooks[HULL_HOOK_START_CONTAINER].v[0].path, "/c");
	S(s->hooks[HULL_HOOK_POSTSTART].v[0].path, "/d");
}

static void c_misc(const struct hull_spec *s)
{
	S(s->hostname, "box");
	S(s->domainname, "example.org");
	U(s->annotations.n, 2);
	S(s->annotations.v[0].key, "com.example.key1");
	S(s->annotations.v[0].value, "value1");
	S(s->annotations.v[1].key, "org.example.x");
	S(s->annotations.v[1].value, "");
	U(s->linux_.sysctl.n, 2);
	S(s->linux_.sysctl.v[0].key, "net.ipv4.ip_forward");
	S(s->linux_.sysctl.v[0].value, "1");
	S(s->linux_.sysctl.v[1].key, "kernel.shm_rmid_forced");
}

static void c_unknown(const struct hull_spec *s)
{
	S(s->oci_version, "1.3.0");
	T(s->has_process);
	S(s->process.cwd, "/");
	T(!s->linux_.ns[HULL_NS_PID].present);
}

static void c_null(const struct hull_spec *s)
{
	T(!s->has_process);
	T(!s->hostname);
	I(s->n_mounts, 1);
	T(s->mounts[0].type == NULL && s->mounts[0].options.n == 0);
	T(!s->linux_.resources.present);
	T(s->linux_.cgroups_path == NULL);
}

static void c_linux_misc(const struct hull_spec *s)
{
	const struct hull_linux *l = &s->linux_;
	U(l->masked_paths.n, 2);
	S(l->masked_paths.v[1], "/proc/keys");
	T(l->masked_paths.v[2] == NULL);
	U(l->readonly_paths.n, 1);
	S(l->readonly_paths.v[0], "/proc/sys");
	S(l->rootfs_propagation, "rslave");
	U(l->rootfs_propagation_flags, MS_SLAVE | MS_REC);
	S(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
	T(l->has_intel_rdt);
	T(l->has_personality);
	S(l->personality_domain, "LINUX32");
	U(l->personality_flags.n, 0);
	T(l->has_memory_policy);
	S(l->memory_policy_mode, "MPOL_BIND");
	S(l->memory_policy_nodes, "0-1");
	U(l->memory_policy_flags.n, 1);
	S(l->memory_policy_flags.v[0], "MPOL_F_STATIC_NODES");
}

static void c_empty_propagation(const struct hull_spec *s)
{
	S(s->linux_.rootfs_propagation, "");
	U(s->linux_.rootfs_propagation_flags, 0);
	T(!s->linux_.has_intel_rdt && !s->linux_.has_personality && !s->linux_.has_memory_policy);
}

static const struct {
	const char *json;
	void (*check)(const struct hull_spec *);
} valid[] = {
	{ "{'ociVersion':'1.0.0','root':{'path':'rootfs'}}", c_minimal },
	{ "{'ociVersion':'1.2.0','root':{'path':'/srv//root/','readonly':true}}", c_abs_root },
	{ "{'ociVersion':'1.3.0','root':{'path':'./../x/./rootfs/'}}", c_tidy_root },
	{ "{'ociVersion':'1.1.0-rc.1','root':{'path':'rootfs'}," PROC("") "}", c_rc_version },
	{ "{'ociVersion':'1.0.2','root':{'path':'rootfs'},'process':{"
	  "'terminal':true,'consoleSize':{'height':24,'width':80},"
	  "'user':{'uid':4294967294,'gid':100,'umask':18,'additionalGids':[5,10]},"
	  "'args':['sh','-c','echo hi'],'env':['PATH=/bin','A=b=c'],'cwd':'/work',"
	  "'capabilities':{'bounding':['CAP_CHOWN','CAP_KILL'],'effective':['CAP_KILL'],"
	  "'inheritable':[],'ambient':['CAP_KILL']},"
	  "'rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
	  "{'type':'RLIMIT_MEMLOCK','soft':18446744073709551615,'hard':18446744073709551615}],"
	  "'noNewPrivileges':true,'apparmorProfile':'docker-default',"
	  "'selinuxLabel':'system_u:system_r:container_t:s0','oomScoreAdj':-1000,"
	  "'ioPriority':{'class':'IOPRIO_CLASS_IDLE','priority':7},"
	  "'scheduler':{'policy':'SCHED_DEADLINE','nice':-20,'priority':0,"
	  "'flags':['SCHED_FLAG_RESET_ON_FORK'],'runtime':10000000,'deadline':20000000,"
	  "'period':30000000},'execCPUAffinity':{'initial':'0-1','final':'1'}}}",
	  c_process },
	{ CFG(PROC("")), c_process_defaults },
	{ CFG("'mounts':[{'destination':'/proc','type':'proc','source':'proc'},"
	      "{'destination':'/data','source':'data//in','options':['rbind','ro','rprivate'],"
	      "'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
	      "'gidMappings':[{'containerID':0,'hostID':200000,'size':65536}]},"
	      "{'destination':'/x','type':'bind','source':'/abs/src'}]"),
	  c_mounts },
	{ CFG("'linux':{'namespaces':[{'type':'pid'},{'type':'network','path':'/var/run/netns/x'},"
	      "{'type':'mount'},{'type':'ipc'},{'type':'uts'},{'type':'user'},{'type':'cgroup'},"
	      "{'type':'time'}],"
	      "'uidMappings':[{'containerID':0,'hostID':1000,'size':1},"
	      "{'containerID':1,'hostID':100000,'size':65535}],"
	      "'gidMappings':[{'containerID':0,'hostID':0,'size':4294967295}],"
	      "'timeOffsets':{'monotonic':{'secs':-5},'boottime':{'secs':3600,'nanosecs':999999999}}}"),
	  c_namespaces },
	{ CFG("'linux':{'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,"
	      "'fileMode':438,'uid':0,'gid':5},{'path':'/dev/fifo','type':'p'}],"
	      "'namespaces':[{'type':'network'}],"
	      "'netDevices':{'eth1':{'name':'ctr0'},'eth2':{}},'cgroupsPath':'/hull/c1'}"),
	  c_devices },
	{ CFG("'linux':{'resources':{'devices':[{'allow':false,'access':'rwm'},"
	      "{'allow':true,'type':'c','major':1,'access':'mw'},{'allow':true,'type':''}],"
	      "'memory':{'limit':1073741824,'reservation':0,'swap':-1,'kernel':-1,'kernelTCP':-1,"
	      "'swappiness':60,'disableOOMKiller':true,'useHierarchy':false,'checkBeforeUpdate':true},"
	      "'cpu':{'shares':1024,'quota':-1,'burst':0,'period':100000,'realtimeRuntime':950000,"
	      "'realtimePeriod':1000000,'cpus':'0-1','mems':'0','idle':1},"
	      "'pids':{'limit':64},"
	      "'blockIO':{'weight':500,'weightDevice':[{'major':8,'minor':0,'weight':10}],"
	      "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576}],"
	      "'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':300}]},"
	      "'hugepageLimits':[{'pageSize':'2MB','limit':209715200}],"
	      "'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':5}]},"
	      "'rdma':{'mlx5_1':{'hcaHandles':3}},"
	      "'unified':{'memory.high':'max','io.weight':'default 100'}}}"),
	  c_resources },
	{ CFG("'linux':{'resources':{'memory':{'limit':0,'reservation':0,'kernel':0,"
	      "'swappiness':18446744073709551615},"
	      "'cpu':{'shares':0,'quota':-50,'period':0,'cpus':'','mems':''},'pids':{'limit':0},"
	      "'blockIO':{'weight':0,'leafWeight':0,'weightDevice':[{'major':8,'minor':0,'weight':0}]},"
	      "'network':{'classID':0}}}"),
	  c_resources_unset },
	{ CFG("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
	      "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86'],"
	      "'flags':['SECCOMP_FILTER_FLAG_LOG'],'listenerPath':'/run/seccomp.sock',"
	      "'listenerMetadata':'meta','syscalls':[{'names':['read','write'],"
	      "'action':'SCMP_ACT_ALLOW'},{'names':['clone'],'action':'SCMP_ACT_ERRNO',"
	      "'errnoRet':1,'args':[{'index':0,'value':2080505856,'op':'SCMP_CMP_MASKED_EQ'},"
	      "{'index':5,'value':18446744073709551615,'op':'SCMP_CMP_NE'}]}]}}"),
	  c_seccomp },
	{ CFG("'hooks':{'prestart':[{'path':'/usr/bin/fix-mounts','args':['fix-mounts','arg1',"
	      "'arg2'],'env':['key1=value1']}],'createRuntime':[{'path':'/a'}],"
	      "'createContainer':[{'path':'/b'}],'startContainer':[{'path':'/c'}],"
	      "'poststart':[{'path':'/d'}],"
	      "'poststop':[{'path':'/usr/sbin/cleanup.sh','args':['cleanup.sh','-f'],'timeout':5}]}"),
	  c_hooks },
	{ CFG("'hostname':'box','domainname':'example.org',"
	      "'annotations':{'com.example.key1':'value1','org.example.x':''},"
	      "'linux':{'sysctl':{'net.ipv4.ip_forward':'1','kernel.shm_rmid_forced':'1'}}"),
	  c_misc },
	{ "{'ociVersion':'1.3.0','root':{'path':'rootfs'},'windows':{'layerFolders':['C:\\\\x']},"
	  "'solaris':{'milestone':1},'vm':{'hypervisor':{'path':'/x'}},'future':[1,2],"
	  "'process':{'user':{'uid':0,'gid':0,'username':'u'},'args':['sh'],'cwd':'/',"
	  "'commandLine':'sh','newField':{}},'linux':{'namespaces':[],'newThing':true}}",
	  c_unknown },
	{ CFG("'process':null,'hostname':null,'mounts':[{'destination':'/m','type':null,"
	      "'options':null}],'linux':{'resources':null,'cgroupsPath':null}"),
	  c_null },
	{ CFG("'linux':{'maskedPaths':['/proc/kcore','/proc/keys'],'readonlyPaths':['/proc/sys'],"
	      "'rootfsPropagation':'rslave',"
	      "'mountLabel':'system_u:object_r:svirt_sandbox_file_t:s0:c715,c811',"
	      "'intelRdt':{'closID':'x'},'personality':{'domain':'LINUX32'},"
	      "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0-1','flags':['MPOL_F_STATIC_NODES']}}"),
	  c_linux_misc },
	{ CFG("'linux':{'rootfsPropagation':''}"), c_empty_propagation },
};

START_TEST(test_valid)
{
	struct hull_spec *spec;
	struct hull_err err;
	int r = spec_test_parse(valid[_i].json, &spec, &err);
	ck_assert_msg(r == 0, "case %d: %s", _i, err.msg);
	valid[_i].check(spec);
	hull_spec_free(spec);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(hull_ns_type_name(HULL_NS_PID), "pid");
	ck_assert_str_eq(hull_ns_type_name(HULL_NS_NETWORK), "network");
	ck_assert_str_eq(hull_ns_type_name(HULL_NS_TIME), "time");
	ck_assert_ptr_null(hull_ns_type_name(HULL_NS_TYPES));
	ck_assert_int_eq(hull_ns_type_flag(HULL_NS_MOUNT), CLONE_NEWNS);
	ck_assert_int_eq(hull_ns_type_flag(HULL_NS_USER), CLONE_NEWUSER);
	ck_assert_int_eq(hull_ns_type_flag(HULL_NS_CGROUP), CLONE_NEWCGROUP);
	ck_assert_int_eq(hull_ns_type_flag(HULL_NS_TIME), 0x80);
	ck_assert_str_eq(hull_hook_kind_name(HULL_HOOK_CREATE_RUNTIME), "createRuntime");
	ck_assert_str_eq(hull_hook_kind_name(HULL_HOOK_POSTSTOP), "poststop");
	ck_assert_ptr_null(hull_hook_kind_name(HULL_HOOK_KINDS));
}
END_TEST

/* The parser does not stop at the first NUL: buf need not be a C string. */
START_TEST(test_not_nul_terminated)
{
	const char cfg[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}garbage";
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_spec_parse(cfg, sizeof(cfg) - 1 - 7, "/b/", &spec, &err), 0);
	ck_assert_str_eq(spec->raw, "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}");
	ck_assert_str_eq(spec->bundle, "/b");
	ck_assert_str_eq(spec->root_path, "/b/r");
	hull_spec_free(spec);
	hull_spec_free(NULL);
}
END_TEST

HULL_SUITE(spec_parse, unit)
{
	Suite *s = suite_create("spec_parse");
	TCase *tc = tcase_create("valid");
	tcase_add_loop_test(tc, test_valid, 0, (int)(sizeof(valid) / sizeof(valid[0])));
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_not_nul_terminated);
	suite_add_tcase(s, tc);
	return s;
}
