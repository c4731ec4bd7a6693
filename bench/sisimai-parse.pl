#!/usr/bin/perl
# sisimai-parse.pl - the peer for the whole-message benchmark: parse
# every email file named on the command line (or one per line on
# standard input with "-") with Sisimai in this one process, and print
# one line per recipient found: file, recipient, reason, status, reply
# code.  A count goes to standard error at the end.
#
#   perl bench/sisimai-parse.pl FILE...
use strict;
use warnings;
use Sisimai;

my @files = @ARGV;
if (@files == 1 && $files[0] eq '-') {
    @files = ();
    while (my $f = <STDIN>) {
        chomp $f;
        push @files, $f if length $f;
    }
}
my ($emails, $found, $recipients) = (0, 0, 0);
local $| = 0;
for my $f (@files) {
    $emails++;
    my $v = Sisimai->make($f, 'delivered' => 1) or next;
    $found++;
    for my $e (@$v) {
        $recipients++;
        print join("\t", $f, $e->recipient->address, $e->reason,
                   $e->deliverystatus // '', $e->replycode // ''), "\n";
    }
}
printf STDERR "sisimai %s: %d emails, %d with results, %d recipients\n",
    Sisimai->version, $emails, $found, $recipients;
