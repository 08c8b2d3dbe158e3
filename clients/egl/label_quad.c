/*
 * clients/egl/label_quad.c - the label as a textured quad.
 */
#include "label_quad.h"

#include <stdio.h>
#include <stdlib.h>

#include "../common/label.h"

/* One quad over the whole viewport; texture row 0 (the label's top row)
 * at the top. */
static const char vertex_src[] =
	"attribute vec2 position;\n"
	"varying vec2 uv;\n"
	"void main() {\n"
	"	uv = vec2((position.x + 1.0) * 0.5, (1.0 - position.y) * 0.5);\n"
	"	gl_Position = vec4(position, 0.0, 1.0);\n"
	"}\n";

/* The bytes are B, G, R, X: swap back to RGB. */
static const char fragment_src[] =
	"precision mediump float;\n"
	"varying vec2 uv;\n"
	"uniform sampler2D tex;\n"
	"void main() {\n"
	"	vec4 t = texture2D(tex, uv);\n"
	"	gl_FragColor = vec4(t.b, t.g, t.r, 1.0);\n"
	"}\n";

static GLuint compile(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char log[512];
		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		fprintf(stderr, "label shader: %s\n", log);
		glDeleteShader(s);
		return 0;
	}
	return s;
}

static GLuint link_program(void)
{
	GLuint vs = compile(GL_VERTEX_SHADER, vertex_src);
	GLuint fs = compile(GL_FRAGMENT_SHADER, fragment_src);
	GLuint p = 0;
	GLint ok = 0;

	if (vs && fs) {
		p = glCreateProgram();
		glAttachShader(p, vs);
		glAttachShader(p, fs);
		glLinkProgram(p);
		glGetProgramiv(p, GL_LINK_STATUS, &ok);
		if (!ok) {
			fprintf(stderr, "label shader: link failed\n");
			glDeleteProgram(p);
			p = 0;
		}
	}
	if (vs)
		glDeleteShader(vs);
	if (fs)
		glDeleteShader(fs);
	return p;
}

int egl_label_quad_init(struct egl_label_quad *q, int32_t width, int32_t height)
{
	*q = (struct egl_label_quad){.width = width};
	q->height = fwd_label_height(height);
	if (!q->height)
		return 0;
	q->pixels = calloc((size_t)width * (size_t)q->height, 4);
	q->label = fwd_label_create(width, height);
	q->program = link_program();
	if (!q->pixels || !q->label || !q->program) {
		if (!q->pixels)
			fprintf(stderr, "out of memory for the label\n");
		egl_label_quad_finish(q);
		return -1;
	}
	q->position = glGetAttribLocation(q->program, "position");
	q->sampler = glGetUniformLocation(q->program, "tex");

	glGenTextures(1, &q->texture);
	glBindTexture(GL_TEXTURE_2D, q->texture);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, width, q->height, 0, GL_RGBA,
		     GL_UNSIGNED_BYTE, NULL);
	return 0;
}

void egl_label_quad_finish(struct egl_label_quad *q)
{
	if (q->texture)
		glDeleteTextures(1, &q->texture);
	if (q->program)
		glDeleteProgram(q->program);
	fwd_label_destroy(q->label);
	free(q->pixels);
	*q = (struct egl_label_quad){0};
}

void egl_label_quad_draw(struct egl_label_quad *q, int32_t window_height,
			 uint32_t rgb, const char *line1, const char *line2)
{
	static const GLfloat quad[] = {-1, -1, 1, -1, -1, 1, 1, 1};

	if (!q->height)
		return;
	fwd_label_draw(q->label, q->pixels, q->width * 4, rgb, line1, line2);

	glBindTexture(GL_TEXTURE_2D, q->texture);
	glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
	glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, q->width, q->height, GL_RGBA,
			GL_UNSIGNED_BYTE, q->pixels);

	/* GL's origin is bottom-left: the strip is the top rows. */
	glViewport(0, window_height - q->height, q->width, q->height);
	glUseProgram(q->program);
	glActiveTexture(GL_TEXTURE0);
	glUniform1i(q->sampler, 0);
	glVertexAttribPointer((GLuint)q->position, 2, GL_FLOAT, GL_FALSE, 0,
			      quad);
	glEnableVertexAttribArray((GLuint)q->position);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	glDisableVertexAttribArray((GLuint)q->position);
	glUseProgram(0);
}
