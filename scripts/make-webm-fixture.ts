/**
 * Writes test/fixtures/opus.webm: 1 s of stereo 440 Hz (left) and 660 Hz (right) at amplitude 0.5, 48 kHz, recorded as
 * WebM/Opus by Chromium's MediaRecorder (what browsers' voice recorders write). No sox or ffmpeg here writes Opus.
 * Needs Chromium (bash scripts/ensure-chromium.sh). Run: npx tsx scripts/make-webm-fixture.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../test/browser.js';
import { root } from '../test/cli-helpers.js';

const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
try {
  const page = await browser.newPage();
  const base64 = await page.evaluate(async () => {
    const context = new AudioContext({ sampleRate: 48000 });
    await context.resume();
    const merger = context.createChannelMerger(2);
    for (const [channel, hz] of [[0, 440], [1, 660]] as const) {
      const tone = context.createOscillator();
      tone.frequency.value = hz;
      const gain = context.createGain();
      gain.gain.value = 0.5;
      tone.connect(gain).connect(merger, 0, channel);
      tone.start();
    }
    const destination = context.createMediaStreamDestination();
    destination.channelCount = 2;
    merger.connect(destination);
    const recorder = new MediaRecorder(destination.stream, { mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: 128000 });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    recorder.stop();
    await stopped;
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  });
  const out = path.join(root, 'test/fixtures/opus.webm');
  writeFileSync(out, Buffer.from(base64, 'base64'));
  console.log(`wrote ${out} (${Buffer.from(base64, 'base64').length} bytes)`);
} finally {
  await browser.close();
}
