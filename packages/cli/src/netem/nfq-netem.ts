// The user-space netem the fault helpers run (see the script's own header for why it exists). Kept as text
// so the CLI bundle carries it; it runs under the node image's perl-base.
export const NFQ_NETEM_PL = String.raw`# netem in user space, for kernels built without sch_netem (this lab's: CONFIG_NET_SCH_NETEM and _PRIO are
# unset, NFQUEUE is built in). iptables sends the impaired packets to NFQUEUE; this loop holds each one for
# its delay (plus jitter, the rate's serialisation time) and then accepts it, or lets it through at once
# (reorder), or flips a bit in it (corrupt). Loss and duplication are iptables' own (statistic DROP, TEE).
# perl-base only (no Time::HiRes): the clock is clock_gettime(2) through syscall.
# Arguments: one "QUEUE:DELAY_MS:JITTER_MS:RATE_BPS:CORRUPT:REORDER:GAP:DISTRIBUTION" per impaired queue
# (fractions 0-1). Jitter as netem draws it: uniform in +-jitter, or jitter x a standard normal, pareto
# (alpha 3, netem's table) or 1/4 normal + 3/4 pareto. Reorder as netem's gap: after gap-1 delayed packets,
# the next one jumps the queue with the reorder probability.
# Exits when the namespace's interface IFACE (env) disappears: the pod is gone.
use strict;
use warnings;
use Socket;

my $iface = $ENV{IFACE} // 'eth0';
my %q;
for my $a (@ARGV) {
  my ($n, $d, $j, $r, $c, $o, $g, $dist) = split /:/, $a;
  $q{$n} = { delay => $d / 1000, jitter => $j / 1000, rate => $r, corrupt => $c, reorder => $o, gap => $g // 1,
    dist => $dist // 'uniform', free => 0, counter => 0 };
}

sub normal { return sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()); }
# Pareto with alpha 3 (mean 1.5, sd 0.866), made mean 0 and sd 1 like netem's tables.
sub pareto { return ((1 - rand())**(-1 / 3) - 1.5) / 0.8660254; }

sub jitter {
  my ($c) = @_;
  return 0 unless $c->{jitter} > 0;
  my $dist = $c->{dist};
  my $z = $dist eq 'normal' ? normal() : $dist eq 'pareto' ? pareto() : $dist eq 'paretonormal' ? 0.25 * normal() + 0.75 * pareto()
    : 2 * rand() - 1;
  return $z * $c->{jitter};
}

sub now {
  my $ts = pack('q2', 0, 0);
  syscall(228, 1, $ts) == 0 or die "clock_gettime: $!";    # SYS_clock_gettime, CLOCK_MONOTONIC (x86_64)
  my ($s, $ns) = unpack('q2', $ts);
  return $s + $ns / 1e9;
}

socket(my $nl, 16, 3, 12) or die "netlink socket: $!";    # AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER
bind($nl, pack('SSLL', 16, 0, 0, 0)) or die "netlink bind: $!";
my $seq = 0;

sub attr {
  my ($type, $data) = @_;
  my $len = 4 + length $data;
  return pack('SS', $len, $type) . $data . ("\0" x ((4 - $len % 4) % 4));
}

sub nfmsg {
  my ($msg, $queue, $attrs) = @_;
  my $body = pack('CCn', 0, 0, $queue) . $attrs;
  my $hdr = pack('LSSLL', 16 + length $body, (3 << 8) | $msg, 1, ++$seq, 0);    # NFNL_SUBSYS_QUEUE, NLM_F_REQUEST
  send($nl, $hdr . $body, 0, pack('SSLL', 16, 0, 0, 0)) or die "netlink send: $!";
}

for my $n (keys %q) {
  nfmsg(2, $n, attr(1, pack('CCn', 1, 0, 0)));                      # NFQNL_CFG_CMD_BIND
  nfmsg(2, $n, attr(2, pack('NC', 0xffff, 2)));                     # copy the whole packet
  nfmsg(2, $n, attr(3, pack('N', 20000)));                          # queue length
  nfmsg(2, $n, attr(4, pack('N', 1)) . attr(5, pack('N', 1)));      # NFQA_CFG_F_FAIL_OPEN: a full queue accepts
}

sub verdict {
  my ($queue, $id, $payload) = @_;
  nfmsg(1, $queue, attr(2, pack('NN', 1, $id)) . (defined $payload ? attr(10, $payload) : ''));    # NF_ACCEPT
}

my @held;    # [release time, queue, id, payload or undef], kept sorted
my $lastcheck = 0;
$SIG{TERM} = $SIG{INT} = sub { exit 0 };
print "netem: holding queues @{[sort keys %q]}\n";
while (1) {
  my $t = now();
  while (@held && $held[0][0] <= $t) { my $h = shift @held; verdict($h->[1], $h->[2], $h->[3]); }
  if ($t - $lastcheck > 1) {
    $lastcheck = $t;
    open(my $dev, '<', '/proc/net/dev') or exit 0;
    my $found = grep { /^\s*\Q$iface\E:/ } <$dev>;
    close $dev;
    exit 0 unless $found;
  }
  my $wait = @held ? $held[0][0] - $t : 0.5;
  $wait = 0.5 if $wait > 0.5;
  $wait = 0 if $wait < 0;
  my $rin = '';
  vec($rin, fileno($nl), 1) = 1;
  next unless select(my $rout = $rin, undef, undef, $wait);
  my $buf;
  defined recv($nl, $buf, 1 << 17, 0) or next;    # ENOBUFS after an overflow: carry on
  my $arrive = now();
  while (length $buf >= 16) {
    my ($len, $type) = unpack('LS', $buf);
    last if $len < 16;
    my $msg = substr($buf, 0, $len);
    $buf = substr($buf, ($len + 3) & ~3);
    next unless $type == ((3 << 8) | 0);    # NFQNL_MSG_PACKET
    my $queue = unpack('n', substr($msg, 18, 2));
    my ($id, $payload);
    my $off = 20;
    while ($off + 4 <= length $msg) {
      my ($alen, $atype) = unpack('SS', substr($msg, $off, 4));
      last if $alen < 4;
      my $data = substr($msg, $off + 4, $alen - 4);
      $atype &= 0x7fff;
      $id = unpack('N', $data) if $atype == 1;
      $payload = $data if $atype == 10;
      $off += ($alen + 3) & ~3;
    }
    next unless defined $id;
    my $c = $q{$queue} or next;
    my $modified;
    if ($c->{corrupt} > 0 && defined $payload && rand() < $c->{corrupt}) {
      my $at = length($payload) > 20 ? 20 + int(rand(length($payload) - 20)) : int(rand(length $payload));
      substr($payload, $at, 1) = chr(ord(substr($payload, $at, 1)) ^ (1 << int(rand 8)));
      $modified = $payload;
    }
    my $release = $arrive;
    if ($c->{reorder} > 0 && $c->{counter} >= $c->{gap} - 1 && rand() < $c->{reorder}) {
      $c->{counter} = 0;
    } else {
      $c->{counter}++;
      my $d = $c->{delay} + jitter($c);
      $release += $d > 0 ? $d : 0;
    }
    if ($c->{rate} > 0) {
      my $start = $release > $c->{free} ? $release : $c->{free};
      $release = $start + 8 * length($payload // '') / $c->{rate};
      $c->{free} = $release;
    }
    if ($release <= $arrive) { verdict($queue, $id, $modified); next; }
    my $i = @held;
    $i-- while $i > 0 && $held[$i - 1][0] > $release;
    splice(@held, $i, 0, [$release, $queue, $id, $modified]);
  }
}
`;
