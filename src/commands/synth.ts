import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { floatFlag, positiveFlag } from '../cli/flags.js';
import { ffmpegFlags } from '../cli/ffmpeg-flags.js';
import { createProgress } from '../cli/progress.js';
import { MOTIONS, type Motion } from '../synth/camera.js';
import { SCENES, type SceneName } from '../synth/scene.js';
import { writeSynth } from '../synth/write.js';
import { DepthkitError } from '../errors.js';

export default class Synth extends BaseCommand {
  static override description =
    'Render a procedural scene with exact depth, camera poses and intrinsics (video.mp4, depth/ in uint16 mm of z-depth, poses.txt, intrinsics.txt)';

  static override examples = [
    '<%= config.bin %> synth --scene room --motion orbit',
    '<%= config.bin %> synth --scene corridor --frames 48 --width 320 --height 240 --save-frames --out synth-street',
  ];

  static override flags = {
    scene: Flags.string({ description: 'procedural scene', options: [...SCENES], default: 'room' }),
    motion: Flags.string({ description: 'camera trajectory', options: [...MOTIONS], default: 'forward' }),
    frames: Flags.integer({ description: 'number of frames', default: 24, min: 1 }),
    width: Flags.integer({ description: 'frame width in pixels', default: 160, min: 2 }),
    height: Flags.integer({ description: 'frame height in pixels', default: 120, min: 2 }),
    fps: positiveFlag({ description: 'frame rate of video.mp4 (default 12)' }),
    fov: floatFlag({ description: 'horizontal field of view in degrees (default 70)' }),
    seed: Flags.integer({ description: 'seed of textures and object placement (same seed, same bytes)', default: 1 }),
    'save-frames': Flags.boolean({ description: 'also write frames/NNNNNN.png (RGB) and train.txt / val.txt (last 20% val)', default: false }),
    out: Flags.string({ description: 'output folder (default synth-<scene>)' }),
    ...ffmpegFlags,
  };

  async run() {
    const { flags } = await this.parse(Synth);
    const fps = flags.fps ?? 12;
    const fov = flags.fov ?? 70;
    if (!(fov > 1 && fov < 170)) throw new DepthkitError(`--fov must be between 1 and 170 degrees (got ${fov})`);
    const out = flags.out ?? `synth-${flags.scene}`;
    const progress = createProgress('synth', flags.frames, { enabled: !this.jsonEnabled(), unit: 'frames' });
    const files = await writeSynth(
      out,
      {
        scene: flags.scene as SceneName,
        motion: flags.motion as Motion,
        frames: flags.frames,
        width: flags.width,
        height: flags.height,
        fps,
        fov,
        seed: flags.seed,
        saveFrames: flags['save-frames'],
        ffmpeg: flags.ffmpeg as never,
      },
      () => progress.tick(),
    ).finally(() => progress.stop());
    this.log(`wrote ${flags.frames} frames of ${flags.scene} (${flags.motion}) to ${path.relative('.', out) || out}`);
    return files;
  }
}
