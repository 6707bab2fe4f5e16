#!/usr/bin/env bash
# Rebuild samples/meeting.flac: a short synthetic planning meeting (three espeak-ng voices) with decisions and
# action items, so the main job has something to draft from. Needs espeak-ng and sox (Debian packages).
# The result is generated, not recorded, and is released under CC0 like this script.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n=0
say() {  # say VOICE PITCH "text"
  n=$((n + 1))
  espeak-ng -v "$1" -p "$2" -s 150 -w "$work/raw-$n.wav" "$3"
  sox "$work/raw-$n.wav" -r 16000 -c 1 -b 16 "$work/line-$(printf %02d $n).wav" pad 0 0.6
}

say en-us+f3 60 "Good morning everyone. Let's start the weekly planning meeting. The first item is the budget for the new community health centre."
say en-gb+m3 35 "Thank you. The construction estimate came in at two point four million dollars, which is about ten percent over our plan."
say en-us+f3 60 "That is too high. We decided to ask the contractor for a revised quote before we approve anything."
say en-us+m7 20 "I agree. I will contact the contractor and send the revised quote by Friday."
say en-us+f3 60 "Good. The next item is the staff training schedule."
say en-gb+m3 35 "The training will run for three days in December. We still need a venue."
say en-us+f3 60 "Minh, can you book the conference room at the provincial office by next Monday?"
say en-gb+m3 35 "Yes, I will book it tomorrow."
say en-us+f3 60 "Thank you. We agreed to hold the next meeting on the fifteenth of December. The meeting is closed."

sox "$work"/line-*.wav samples/meeting.flac
echo "wrote samples/meeting.flac ($(soxi -D samples/meeting.flac) s)"
